/**
 * Conformance, exception work (issue 12, Pengecualian): the kind filter of `exceptions`, the
 * assignment of an exception to a staff member, and counters per region prefix (the unclaimed
 * chart). Held through the interfaces alone.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { newAgent, panOf, row, tahap, testLimits, withdrawal, type TestAgent } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';

export function describeExceptionConformance(name: string, open: StoreFactory): void {
  describe(`${name}: exception kind filter and assignment`, () => {
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
        { agentId: 'AGT-A', publicKey: a.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: ['KPM-0003'] },
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
        entitlements: [{ kpmId: 'KPM-0003', remaining: 750_000 }],
      });
      await store().applyDisbursements(
        [
          row('KPM-0001', 500_000),
          row('KPM-0002', 300_000, { status: 'failed' }),
          row('KPM-0003', 750_000, { regionCode: '3301010001' }),
        ],
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      // A card that is not KPM-0003's: unknown_card.
      const w = withdrawal(a, keys, { kpmId: 'KPM-0003', amount: 100_000, pan: panOf('KPM-9999'), setId: setA });
      await ingestSegment(store(), a.record, [w], 10);
    });
    afterEach(async () => h.destroy());

    const ids = async (query: Parameters<GatewayStore['exceptions']>[1]) =>
      (await store().exceptions(tahap, query)).items.map((x) => x.id).sort();

    it('filters by kind, alone and with state, bank and region', async () => {
      const all = await ids({ limit: 100 });
      expect(all).toHaveLength(4);
      expect(await ids({ limit: 100, kind: 'unclaimed' })).toEqual([`K:${tahap}:KPM-0001`, `K:${tahap}:KPM-0003`]);
      expect(await ids({ limit: 100, kind: 'no_disbursement' })).toEqual([`K:${tahap}:KPM-0002`]);
      const unknown = await store().exceptions(tahap, { limit: 100, kind: 'unknown_card' });
      expect(unknown.items).toMatchObject([
        { kind: 'unknown_card', kpmId: 'KPM-0003', agentId: 'AGT-A', amount: 100_000 },
      ]);
      expect(await ids({ limit: 100, kind: 'unclaimed', region: '33' })).toEqual([`K:${tahap}:KPM-0003`]);
      expect(await ids({ limit: 100, kind: 'fork' })).toEqual([]);
      await store().transitionException(`K:${tahap}:KPM-0001`, {
        to: 'investigating',
        reason: undefined,
        note: 'x',
        actor: 'ana',
        now: 2,
      });
      expect(await ids({ limit: 100, kind: 'unclaimed', state: 'open' })).toEqual([`K:${tahap}:KPM-0003`]);
      // Paging with a kind: one at a time, to the end.
      const first = await store().exceptions(tahap, { limit: 1, kind: 'unclaimed' });
      const second = await store().exceptions(tahap, { limit: 1, kind: 'unclaimed', after: first.next });
      expect([...first.items, ...second.items].map((x) => x.id).sort()).toEqual([
        `K:${tahap}:KPM-0001`,
        `K:${tahap}:KPM-0003`,
      ]);
    });
    it('assigns and unassigns, audited; a transition keeps the assignee; the filter finds it', async () => {
      const id = `K:${tahap}:KPM-0001`;
      const assigned = await store().assignException(id, { assignee: 'budi', actor: 'ana', now: 3 });
      expect(assigned).toMatchObject({ id, state: 'open', assignee: 'budi', history: [] });
      expect(await ids({ limit: 100, assignee: 'budi' })).toEqual([id]);
      expect(await ids({ limit: 100, assignee: 'citra' })).toEqual([]);
      const moved = await store().transitionException(id, {
        to: 'investigating',
        reason: undefined,
        note: 'cek',
        actor: 'budi',
        now: 4,
      });
      expect(moved).toMatchObject({ state: 'investigating', assignee: 'budi' });
      const listed = (await store().exceptions(tahap, { limit: 100, kind: 'unclaimed', state: 'investigating' })).items;
      expect(listed).toMatchObject([{ id, assignee: 'budi', history: [{ to: 'investigating' }] }]);
      const cleared = await store().assignException(id, { assignee: undefined, actor: 'ana', now: 5 });
      expect(cleared.assignee).toBeUndefined();
      expect(await ids({ limit: 100, assignee: 'budi' })).toEqual([]);
      const audit = (await store().audit({ limit: 100 })).items.filter((r) => r.action === 'exception.assign');
      expect(audit.map((r) => [r.actor, r.details])).toEqual([
        ['ana', { exceptionId: id, from: null, to: 'budi' }],
        ['ana', { exceptionId: id, from: 'budi', to: null }],
      ]);
    });

    it('dates an exception from its first assignment or transition; ages filter and count in buckets', async () => {
      const day = 86_400_000;
      const [one, two] = [`K:${tahap}:KPM-0001`, `K:${tahap}:KPM-0002`];
      expect((await store().exceptions(tahap, { limit: 100 })).items.map((x) => x.openedAt)).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      await store().assignException(one, { assignee: 'budi', actor: 'ana', now: 1_000 });
      const change = { reason: undefined, note: 'x', actor: 'ana' };
      const moved = await store().transitionException(one, { ...change, to: 'investigating', now: 1_000 + 3 * day });
      expect(moved.openedAt).toBe(1_000);
      const other = await store().transitionException(two, { ...change, to: 'investigating', now: 1_000 + 10 * day });
      expect(other.openedAt).toBe(1_000 + 10 * day);
      const now = 1_000 + 10.5 * day;
      const aged = async (age: 'unworked' | 'lt1d' | 'd7to30' | 'gt30d') =>
        (await store().exceptions(tahap, { limit: 100, age, now })).items.map((x) => x.id).sort();
      expect(await aged('d7to30')).toEqual([one]);
      expect(await aged('lt1d')).toEqual([two]);
      expect(await aged('gt30d')).toEqual([]);
      expect(await aged('unworked')).toHaveLength(2);
      expect(await store().exceptionAgeing(tahap, {}, now)).toEqual({
        buckets: { unworked: 2, lt1d: 1, d1to7: 0, d7to30: 1, gt30d: 0 },
        complete: true,
      });
      expect(await store().exceptionAgeing(tahap, { kind: 'unclaimed' }, now + 30 * day)).toEqual({
        buckets: { unworked: 1, lt1d: 0, d1to7: 0, d7to30: 0, gt30d: 1 },
        complete: true,
      });
      expect(await store().exceptionAgeing(tahap, { state: 'investigating', region: '33' }, now)).toEqual({
        buckets: { unworked: 0, lt1d: 0, d1to7: 0, d7to30: 0, gt30d: 0 },
        complete: true,
      });
    });

    it('refuses to assign an unknown or a resolved exception, changing nothing', async () => {
      await expect(
        store().assignException(`K:${tahap}:KPM-9999`, { assignee: 'budi', actor: 'ana', now: 2 }),
      ).rejects.toMatchObject({ code: 'EDC_ERR_NOT_FOUND' });
      const id = `K:${tahap}:KPM-0001`;
      const change = { reason: undefined, note: 'x', actor: 'ana' };
      await store().transitionException(id, { ...change, to: 'investigating', now: 3 });
      await store().transitionException(id, { ...change, to: 'resolved', reason: 'other', now: 4 });
      const before = await store().audit({ limit: 100 });
      await expect(store().assignException(id, { assignee: 'budi', actor: 'ana', now: 5 })).rejects.toMatchObject({
        code: 'EDC_ERR_EXCEPTION_TRANSITION',
      });
      expect(await store().audit({ limit: 100 })).toEqual(before);
      expect((await store().exceptions(tahap, { limit: 100, state: 'resolved' })).items[0]?.assignee).toBeUndefined();
    });
    it('regionSummary groups the counters by region prefix, filtered and paged', async () => {
      const all = await store().regionSummary(tahap, { digits: 2, limit: 100 });
      expect(all.next).toBeUndefined();
      expect(all.items.map((r) => [r.region, r.counters.kpm, r.counters.disbursed, r.counters.unclaimed])).toEqual([
        ['32', 2, 800_000, 500_000],
        ['33', 1, 750_000, 750_000],
      ]);
      const whole = await store().summary(tahap, {});
      expect(all.items.reduce((n, r) => n + r.counters.disbursed, 0)).toBe(whole.disbursed);
      const first = await store().regionSummary(tahap, { digits: 4, limit: 1 });
      expect(first.items.map((r) => r.region)).toEqual(['3201']);
      expect(first.next).toBe('3201');
      const second = await store().regionSummary(tahap, { digits: 4, limit: 1, after: first.next });
      expect(second).toMatchObject({ items: [{ region: '3301' }], next: undefined });
      expect((await store().regionSummary(tahap, { digits: 10, region: '33', limit: 10 })).items).toMatchObject([
        { region: '3301010001', counters: { kpm: 1 } },
      ]);
      expect((await store().regionSummary(tahap, { digits: 2, bank: 'BNI', limit: 10 })).items).toEqual([]);
    });
  });
}
