/**
 * Conformance, complaint look-up (issue 12, pengaduan): findKpm by NIK or KKS card through the
 * store's keyed hash, and kpmDossier's record of a KPM (rows with file/line/reference, failed and
 * returned rows, withdrawals with terminal, STAN, local date, times and set, reversals, exceptions
 * with their history), personal data only when asked for. Held through the interfaces alone.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { exportCsv } from '../../../gateway/http/csv.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { newAgent, panOf, reversal, row, tahap, testLimits, withdrawal, type TestAgent } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';
import { observableState } from './observable.ts';

export function describeKpmConformance(name: string, open: StoreFactory): void {
  describe(`${name}: complaint look-up (findKpm, kpmDossier)`, () => {
    let h: StoreHandle;
    let keys: GatewayKeys;
    let a: TestAgent;
    const store = (): GatewayStore => h.store;
    const setA = 'SETA0000000000000000000001';

    beforeEach(async () => {
      keys = generateGatewayKeys();
      h = await open({ keys, tahapClosesAt: {}, nonceEntriesMax: 10 });
      a = newAgent('AGT-A');
      a.record = await store().addAgent(
        {
          agentId: 'AGT-A',
          publicKey: a.publicKey,
          bank: 'BRI',
          regionCode: '3201010001',
          kpmIds: ['KPM-0001', 'KPM-0002'],
        },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      await store().recordEntitlementSet({
        setId: setA,
        agentId: 'AGT-A',
        tahap,
        issuedAt: 1,
        notBefore: 0,
        expiresAt: 1_000_000,
        basedOnSeq: 0,
        limits: testLimits,
        entitlements: [{ kpmId: 'KPM-0001', remaining: 750_000 }],
      });
    });
    afterEach(async () => h.destroy());

    it('finds a KPM by NIK and by KKS card number; nothing for an unknown one', async () => {
      await store().applyDisbursements(
        [row('KPM-0001', 750_000, { nik: '3201010101900011' }), row('KPM-0002', 750_000, { nik: '3201010101900022' })],
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      expect(await store().findKpm('nik', '3201010101900022')).toBe('KPM-0002');
      expect(await store().findKpm('kks', panOf('KPM-0001'))).toBe('KPM-0001');
      expect(await store().findKpm('nik', '3201010101900099')).toBeUndefined();
      expect(await store().findKpm('kks', panOf('KPM-0009'))).toBeUndefined();
      expect(await store().kpmDossier('KPM-0009', { personal: true })).toBeUndefined();
    });

    it('the dossier holds rows (file, line, reference), withdrawals with evidence, reversals, exceptions', async () => {
      await store().applyDisbursements(
        [
          row('KPM-0001', 750_000, { line: 7, reference: 'BRI-7' }),
          row('KPM-0002', 300_000, { line: 8, reference: 'BRI-8', status: 'failed' }),
        ],
        { fileSha256: 'a'.repeat(64), now: 1 },
      );
      const w1 = withdrawal(a, keys, {
        kpmId: 'KPM-0001',
        amount: 500_000,
        pan: panOf('KPM-0001'),
        setId: setA,
        terminalId: 'TERM0042',
        stan: '000123',
        localDate: '1122',
        at: 3_000,
      });
      const w2 = withdrawal(a, keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001'), setId: setA });
      await ingestSegment(store(), a.record!, [w1, w2, reversal(a, w2)], 4_000);
      const before = await observableState(store(), { tahaps: [tahap] });
      const d = await store().kpmDossier('KPM-0001', { personal: false });
      expect(d).toMatchObject({ kpmId: 'KPM-0001', personal: undefined });
      expect(d!.tahaps).toHaveLength(1);
      const t = d!.tahaps[0]!;
      expect(t.tahap).toBe(tahap);
      expect(t.position).toMatchObject({
        category: 'partial',
        credited: 750_000,
        withdrawn: 500_000,
        unclaimed: 250_000,
      });
      expect(t.rows).toEqual([
        {
          bank: 'BRI',
          reference: 'BRI-7',
          fileSha256: 'a'.repeat(64),
          line: 7,
          amount: 750_000,
          status: 'credited',
          regionCode: '3201010001',
        },
      ]);
      expect(t.withdrawals).toHaveLength(2);
      expect(t.withdrawals[0]).toMatchObject({
        id: w1.id,
        agentId: 'AGT-A',
        seq: 1,
        terminalId: 'TERM0042',
        stan: '000123',
        localDate: '1122',
        at: 3_000,
        receivedAt: 4_000,
        setId: setA,
        category: 'ok',
        settlement: 'payable',
        amount: 500_000,
      });
      expect(t.withdrawals[1]).toMatchObject({ id: w2.id, category: 'reversed', settlement: 'none' });
      expect(t.reversals).toMatchObject([{ agentId: 'AGT-A', seq: 3, reverses: w2.id, reversesSeq: 2 }]);
      expect(t.exceptions).toEqual([]);
      const text = JSON.stringify(d);
      expect(text).not.toContain(panOf('KPM-0001'));
      expect(text).not.toContain('3201010101900001');
      expect(text).not.toContain('SITI AMINAH');
      // Reading changes nothing.
      expect(await observableState(store(), { tahaps: [tahap] })).toEqual(before);

      const failed = await store().kpmDossier('KPM-0002', { personal: false });
      expect(failed!.tahaps[0]!.rows).toMatchObject([{ status: 'failed', amount: 300_000, reference: 'BRI-8' }]);
      expect(failed!.tahaps[0]!.position).toMatchObject({ category: 'no_disbursement', failed: 300_000 });
      expect(failed!.tahaps[0]!.exceptions).toMatchObject([
        { id: `K:${tahap}:KPM-0002`, kind: 'no_disbursement', amount: 300_000, state: 'open', history: [] },
      ]);
    });

    it('exceptions carry their notes and history; personal data only when asked for', async () => {
      await store().applyDisbursements([row('KPM-0002', 300_000, { status: 'returned' })], {
        fileSha256: 'b'.repeat(64),
        now: 1,
      });
      const id = `K:${tahap}:KPM-0002`;
      await store().transitionException(id, {
        to: 'investigating',
        reason: undefined,
        note: 'telepon pendamping',
        actor: 'ana',
        now: 5,
      });
      const d = await store().kpmDossier('KPM-0002', { personal: true });
      expect(d!.tahaps[0]!.exceptions).toMatchObject([
        { id, state: 'investigating', history: [{ actor: 'ana', note: 'telepon pendamping', to: 'investigating' }] },
      ]);
      expect(d!.personal).toEqual({
        name: 'SITI AMINAH',
        nik: '3201010101900001',
        cardsLast4: [panOf('KPM-0002').slice(-4)],
      });
    });
    it("the CSV export carries each withdrawal's evidence and its KPM's bank rows, no personal data", async () => {
      await store().applyDisbursements([row('KPM-0001', 750_000, { line: 7, reference: '=BRI-7' })], {
        fileSha256: 'a'.repeat(64),
        now: 1,
      });
      const w1 = withdrawal(a, keys, {
        kpmId: 'KPM-0001',
        amount: 500_000,
        pan: panOf('KPM-0001'),
        setId: setA,
        terminalId: 'TERM0042',
        stan: '000123',
        localDate: '1122',
        at: 3_000,
      });
      const w2 = withdrawal(a, keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001'), setId: setA });
      await ingestSegment(store(), a.record!, [w1, w2, reversal(a, w2)], 4_000);
      const csv = async (category: 'ok' | 'reversed' | 'partial') => {
        let text = '';
        for await (const chunk of exportCsv(store(), tahap, category, {})) text += chunk;
        expect(text).not.toContain(panOf('KPM-0001'));
        expect(text).not.toContain('3201010101900001');
        expect(text).not.toContain('SITI AMINAH');
        return parse<Record<string, string>>(text, { columns: true });
      };
      const evidence = { rowFile: 'a'.repeat(64), rowLine: '7', rowReference: "'=BRI-7", rowStatus: 'credited' };
      expect(await csv('ok')).toMatchObject([
        {
          id: w1.id,
          terminalId: 'TERM0042',
          stan: '000123',
          localDate: '1122',
          at: new Date(3_000).toISOString(),
          receivedAt: new Date(4_000).toISOString(),
          setId: setA,
          reversedBy: '',
          ...evidence,
        },
      ]);
      expect(await csv('reversed')).toMatchObject([{ id: w2.id, reversedBy: 'AGT-A:3', ...evidence }]);
      expect(await csv('partial')).toMatchObject([{ kpmId: 'KPM-0001', ...evidence }]);
    });
  });
}
