/**
 * Conformance, withdrawals per day (issue 12, Ringkasan tahap): the claimed withdrawals of a tahap
 * by the terminal's local date (MMDD) and the KPM's bank, with the day's drill-down. A reversal
 * takes its withdrawal off its day; the figures sum to the settlements' claimed; reconcile
 * recomputes them and agrees. Held through the interfaces alone, on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { newAgent, panOf, reversal, row, tahap, testLimits, ulid, withdrawal, type TestAgent } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';

export function describeDayConformance(name: string, open: StoreFactory): void {
  describe(`${name}: withdrawals per local date`, () => {
    let h: StoreHandle;
    let keys: GatewayKeys;
    let a: TestAgent;
    let setId: string;
    const store = (): GatewayStore => h.store;

    beforeEach(async () => {
      keys = generateGatewayKeys();
      h = await open({ keys, tahapClosesAt: {}, nonceEntriesMax: 10 });
      a = newAgent('AGT-D');
      const kpmIds = ['KPM-0001', 'KPM-0002', 'KPM-0003'];
      a.record = await store().addAgent(
        { agentId: a.agentId, publicKey: a.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      setId = ulid();
      await store().recordEntitlementSet({
        setId,
        agentId: a.agentId,
        tahap,
        issuedAt: 1,
        notBefore: 0,
        expiresAt: 10_000_000,
        basedOnSeq: 0,
        limits: testLimits,
        entitlements: kpmIds.map((kpmId) => ({ kpmId, remaining: 100_000_000 })),
      });
      await store().applyDisbursements(
        [row('KPM-0001', 900_000), row('KPM-0002', 900_000, { bank: 'BNI', reference: 'BNI-2' })],
        { fileSha256: 'd'.repeat(64), now: 1 },
      );
    });
    afterEach(async () => h.destroy());

    const w = (kpmId: string, amount: number, localDate: string) =>
      withdrawal(a, keys, { kpmId, amount, pan: panOf(kpmId), setId, localDate });

    it('counts claimed withdrawals per date and bank; a reversal takes its one off; the drill-down pages', async () => {
      const first = w('KPM-0001', 100_000, '1001');
      const second = w('KPM-0001', 50_000, '1002');
      const bni = w('KPM-0002', 70_000, '1002');
      const unknown = w('KPM-0003', 20_000, '1002'); // no row: unknown card, still claimed (disputed)
      const undone = w('KPM-0002', 30_000, '1003');
      await ingestSegment(store(), a.record!, [first, second, bni, unknown, undone, reversal(a, undone)], 10);

      expect(await store().withdrawalDays(tahap, {})).toEqual([
        { localDate: '1001', count: 1, amount: 100_000 },
        { localDate: '1002', count: 3, amount: 140_000 },
      ]);
      expect(await store().withdrawalDays(tahap, { bank: 'BNI' })).toEqual([
        { localDate: '1002', count: 1, amount: 70_000 },
      ]);
      const claimed = (await store().settlements(tahap))['AGT-D']!.claimed;
      const days = await store().withdrawalDays(tahap, {});
      expect(days.reduce((s, d) => s + d.amount, 0)).toBe(claimed);

      const page1 = await store().dayWithdrawals(tahap, '1002', { limit: 2 });
      expect(page1.items.map((v) => [v.bank, v.kpmId, v.amount, v.localDate])).toEqual([
        ['BNI', 'KPM-0002', 70_000, '1002'],
        ['BRI', 'KPM-0001', 50_000, '1002'],
      ]);
      const page2 = await store().dayWithdrawals(tahap, '1002', { limit: 2, after: page1.next });
      expect(page2).toMatchObject({ items: [{ kpmId: 'KPM-0003', category: 'unknown_card' }], next: undefined });
      expect((await store().dayWithdrawals(tahap, '1003', { limit: 10 })).items).toEqual([]);
      expect((await store().dayWithdrawals(tahap, '1002', { limit: 10, bank: 'BNI' })).items).toHaveLength(1);

      const recon = await store().reconcile(tahap, 50);
      expect(recon).toMatchObject({ agree: true, differences: [] });
      await h.restart({ tahapClosesAt: {} });
      expect(await store().withdrawalDays(tahap, {})).toEqual(days);
    });

    it('a KPM known first from a withdrawal moves its days to the bank of the row imported later', async () => {
      await ingestSegment(store(), a.record!, [w('KPM-0003', 40_000, '1101')], 10);
      expect(await store().withdrawalDays(tahap, { bank: 'BRI' })).toEqual([
        { localDate: '1101', count: 1, amount: 40_000 },
      ]);
      await store().applyDisbursements([row('KPM-0003', 500_000, { bank: 'BTN', reference: 'BTN-3' })], {
        fileSha256: 'e'.repeat(64),
        now: 2,
      });
      expect(await store().withdrawalDays(tahap, { bank: 'BRI' })).toEqual([]);
      expect(await store().withdrawalDays(tahap, { bank: 'BTN' })).toEqual([
        { localDate: '1101', count: 1, amount: 40_000 },
      ]);
      expect((await store().dayWithdrawals(tahap, '1101', { limit: 5 })).items).toMatchObject([
        { bank: 'BTN', kpmId: 'KPM-0003', category: 'ok' },
      ]);
      expect(await store().reconcile(tahap, 60)).toMatchObject({ agree: true, differences: [] });
    });
  });
}
