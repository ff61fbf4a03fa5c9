/**
 * Conformance, part two: money that must show (issue 11 items 5, 7, 8; issue 10's gateway line).
 * Every rule is held here through the store interfaces alone, so the PostgreSQL store is held to
 * exactly what the LevelDB store does:
 *   - evidence has its own identity (a tampered copy never shares the genuine entry's ref or id);
 *   - a cloned key's whole conflicting branch is kept as verified fork evidence, counted in the
 *     KPM figures and held out of `payable` until a reconciler resolves it, within a per-agent bound;
 *   - withdrawals outside the entitlement set they name (unallocated, over_limit,
 *     over_entitlement, stamped outside its validity: clock) are held exceptions; late is only
 *     "received after the tahap closed";
 *   - resolving a held withdrawal moves its amount: confirmed to payable, any other reason to refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import { exportCsv } from '../../../gateway/http/csv.ts';
import type { GatewayStore, WithdrawalView } from '../../../gateway/store/types.ts';
import { withdrawalCategories } from '../../../gateway/recon/classify.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { genesisHash, type LedgerEntry } from '../../../protocol/messages/schemas.ts';
import { newAgent, panOf, reversal, row, tahap, withdrawal, type TestAgent } from '../helpers.ts';
import { observableState } from './observable.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';

/** Small, so that the suite reaches the evidence bound. */
export const conformanceEvidenceEntriesMax = 6;

const limits = { withdrawalAmountMax: 500_000, cashFloat: 50_000_000, queueEntriesMax: 5000 };

async function allWithdrawals(store: GatewayStore): Promise<WithdrawalView[]> {
  const out: WithdrawalView[] = [];
  for (const category of withdrawalCategories)
    out.push(...(await store.withdrawals(tahap, category, { limit: 1000 })).items);
  return out;
}

async function csvLines(store: GatewayStore, category: 'fault' | 'fork'): Promise<string[]> {
  let text = '';
  for await (const chunk of exportCsv(store, tahap, category, {})) text += chunk;
  return text.split('\r\n').filter((l) => l !== '');
}

export function describeMoneyConformance(name: string, open: StoreFactory): void {
  describe(`${name}: every rupiah paid shows, and only what is owed is payable`, () => {
    let h: StoreHandle;
    let keys: GatewayKeys;
    let a: TestAgent;
    let b: TestAgent;
    const store = (): GatewayStore => h.store;
    const observed = () => observableState(h.store, { tahaps: [tahap] });
    const setA = 'SETA0000000000000000000001';
    const setB = 'SETB0000000000000000000001';

    async function enroll(agent: TestAgent, kpmIds: string[]) {
      agent.record = await store().addAgent(
        { agentId: agent.agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
    }

    async function issue(
      agentId: string,
      setId: string,
      remaining: Record<string, number>,
      extra: { basedOnSeq?: number; issuedAt?: number; expiresAt?: number } = {},
    ) {
      const issuedAt = extra.issuedAt ?? 1_000_000;
      await store().recordEntitlementSet({
        setId,
        agentId,
        tahap,
        issuedAt,
        notBefore: issuedAt - 300_000,
        expiresAt: extra.expiresAt ?? 10_000_000,
        basedOnSeq: extra.basedOnSeq ?? 0,
        limits,
        entitlements: Object.entries(remaining).map(([kpmId, r]) => ({ kpmId, remaining: r })),
      });
    }

    /** Another device holding a's key, starting a fresh ledger (a clone). */
    const cloneOf = (agent: TestAgent): TestAgent => ({ ...agent, seq: 0, head: genesisHash });

    beforeEach(async () => {
      keys = generateGatewayKeys();
      h = await open({
        keys,
        tahapClosesAt: {},
        nonceEntriesMax: 100,
        evidenceEntriesPerAgentMax: conformanceEvidenceEntriesMax,
      });
      a = newAgent('AGT-A');
      b = newAgent('AGT-B');
      await enroll(a, ['KPM-0001', 'KPM-0002', 'KPM-0003']);
      await enroll(b, ['KPM-0004']);
      await store().applyDisbursements(
        ['KPM-0001', 'KPM-0002', 'KPM-0003', 'KPM-0004'].map((k) => row(k, 600_000)),
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      await issue('AGT-A', setA, { 'KPM-0001': 600_000, 'KPM-0002': 600_000, 'KPM-0003': 600_000 });
      await issue('AGT-B', setB, { 'KPM-0004': 600_000 });
    });
    afterEach(async () => h.destroy());

    const w = (agent: TestAgent, kpmId: string, amount: number, extra: Record<string, unknown> = {}) =>
      withdrawal(agent, keys, { kpmId, amount, pan: panOf(kpmId), setId: setA, at: 1_500_000, ...extra });

    it('item 5: a tampered copy of an accepted entry is its own record (ref, exception id, CSV row)', async () => {
      const e1 = w(a, 'KPM-0001', 100_000);
      await ingestSegment(store(), a.record!, [e1], 10);
      // What a dishonest operator does: change the amount, keep the hash and the signature.
      const copy1 = { ...e1, amount: e1.amount + 100_000 } as LedgerEntry;
      const copy2 = { ...e1, amount: e1.amount + 200_000 } as LedgerEntry;
      await store().recordTampered('AGT-A', [copy1], 'hash', 11);
      await store().recordTampered('AGT-A', [copy2], 'hash', 12);
      await store().recordTampered('AGT-A', [copy2], 'hash', 13); // the same bytes again: kept once

      const evidence = await store().evidence('AGT-A', 10);
      expect(evidence).toHaveLength(2);
      expect(new Set(evidence.map((e) => e.evidenceHash)).size).toBe(2);
      const views = await allWithdrawals(store());
      expect(views).toHaveLength(3);
      expect(new Set(views.map((v) => v.ref)).size).toBe(3);
      const genuine = views.find((v) => v.source === 'chain')!;
      expect(genuine).toMatchObject({ category: 'ok', ref: `AGT-A:1:${e1.hash}`, settlement: 'payable' });
      const faults = views.filter((v) => v.category === 'fault');
      expect(faults.map((v) => v.source)).toEqual(['tampered', 'tampered']);
      for (const f of faults) expect(f.ref).toMatch(new RegExp(`^AGT-A:1:tampered:[0-9a-f]{64}$`));

      const exceptions = (await store().exceptions(tahap, { limit: 100 })).items.filter((x) => x.agentId === 'AGT-A');
      expect(exceptions.map((x) => x.kind)).toEqual(['fault', 'fault']);
      expect(exceptions.map((x) => x.id)).not.toContain(`W:${tahap}:AGT-A:1:${e1.hash}`);
      expect(new Set(exceptions.map((x) => x.id)).size).toBe(2);
      await store().transitionException(exceptions[0]!.id, {
        to: 'investigating',
        reason: undefined,
        note: 'compare with the agent ledger',
        actor: 'ana',
        now: 20,
      });
      const after = (await store().exceptions(tahap, { limit: 100 })).items.filter((x) => x.agentId === 'AGT-A');
      expect(after.map((x) => x.state).sort()).toEqual(['investigating', 'open']);

      const lines = await csvLines(store(), 'fault');
      expect(lines).toHaveLength(3);
      expect(new Set(lines.slice(1)).size).toBe(2);
      expect(lines[0]).toContain('ref');
      expect((await store().reconcile(tahap, 30)).agree).toBe(true);
    });

    it(
      'item 7: a cloned key’s whole conflicting branch is kept as fork evidence, counted in the KPM figures, ' +
        'and held out of payable',
      async () => {
        const e1 = w(a, 'KPM-0001', 500_000);
        const e2 = w(a, 'KPM-0002', 300_000);
        await ingestSegment(store(), a.record!, [e1, e2], 10);
        const clone = cloneOf(a);
        const c1 = w(clone, 'KPM-0001', 500_000, { terminalId: 'CLONE001' });
        const c2 = w(clone, 'KPM-0002', 300_000, { terminalId: 'CLONE001' });
        const c3 = w(clone, 'KPM-0003', 200_000, { terminalId: 'CLONE001' });
        expect(await store().ingest('AGT-A', [c1, c2, c3], 20)).toEqual({
          kind: 'fork',
          seq: 1,
          storedHash: e1.hash,
          foundHash: c1.hash,
        });
        expect(await store().head('AGT-A')).toEqual({ seq: 2, hash: e2.hash });
        const evidence = await store().evidence('AGT-A', 10);
        expect(evidence.map((e) => e.found.seq).sort()).toEqual([1, 2, 3]);
        expect(evidence.every((e) => e.kind === 'fork')).toBe(true);
        expect(evidence.find((e) => e.found.seq === 1)?.stored).toEqual(e1);
        expect(evidence.find((e) => e.found.seq === 3)?.stored).toBeUndefined();

        const forks = (await store().withdrawals(tahap, 'fork', { limit: 10 })).items;
        expect(forks.map((v) => [v.seq, v.amount, v.source, v.settlement])).toEqual([
          [1, 500_000, 'fork', 'disputed'],
          [2, 300_000, 'fork', 'disputed'],
          [3, 200_000, 'fork', 'disputed'],
        ]);
        const sum = await store().summary(tahap, {});
        // Every rupiah paid shows: ok 800 000 + fork 1 000 000 = drawn; KPM-0001 was paid twice.
        expect(sum).toMatchObject({
          drawn: 1_800_000,
          withdrawn: 1_400_000,
          overdrawnExcess: 400_000,
          withdrawalsByCategory: { ok: { count: 2, amount: 800_000 }, fork: { count: 3, amount: 1_000_000 } },
          kpmByCategory: { overdrawn: { count: 1 } },
        });
        expect(sum.disbursed).toBe(sum.withdrawn + sum.unclaimed + sum.failed + sum.returned);
        expect((await store().settlements(tahap))['AGT-A']).toMatchObject({
          payable: 800_000,
          disputed: 1_000_000,
          refused: 0,
          claimed: 1_800_000,
        });

        const before = await observed();
        expect(await store().ingest('AGT-A', [c1, c2, c3], 21)).toMatchObject({ kind: 'fork', seq: 1 });
        expect(await observed()).toEqual(before);

        // The clone's next upload continues its own branch beyond the gateway's head: still a fork, kept.
        const c4 = w(clone, 'KPM-0003', 100_000, { terminalId: 'CLONE001' });
        expect(await store().ingest('AGT-A', [c4], 22)).toMatchObject({ kind: 'fork', seq: 4, foundHash: c4.hash });
        expect(await store().evidence('AGT-A', 10)).toHaveLength(4);
        // The device whose chain the gateway holds goes on as before.
        const e3 = w(a, 'KPM-0003', 100_000);
        expect(await store().ingest('AGT-A', [e3], 23)).toMatchObject({ kind: 'accepted', accepted: 1 });
        expect((await store().summary(tahap, {})).withdrawalsByCategory.fork).toEqual({ count: 4, amount: 1_100_000 });
        expect((await store().reconcile(tahap, 30)).agree).toBe(true);
      },
    );

    it('item 7: a fork branch’s reversal undoes its own payout only, never one on the held chain', async () => {
      const e1 = w(a, 'KPM-0001', 100_000);
      await ingestSegment(store(), a.record!, [e1], 10);
      const clone = cloneOf(a);
      const c1 = w(clone, 'KPM-0002', 200_000, { terminalId: 'CLONE001' });
      const undoOwn = reversal(clone, c1);
      const undoChain = reversal(clone, e1); // names the held chain's entry: counted unmatched
      expect(await store().ingest('AGT-A', [c1, undoOwn, undoChain], 20)).toMatchObject({ kind: 'fork', seq: 1 });
      const sum = await store().summary(tahap, {});
      expect(sum.withdrawalsByCategory).toMatchObject({
        ok: { count: 1, amount: 100_000 },
        reversed: { count: 1, amount: 200_000 },
        fork: { count: 0 },
      });
      expect(sum.reversalsUnmatched).toBe(1);
      expect((await store().reconcile(tahap, 30)).agree).toBe(true);
    });

    it('item 7: resolving a fork withdrawal moves its amount (confirmed: payable, recovered: refused)', async () => {
      await ingestSegment(store(), a.record!, [w(a, 'KPM-0001', 100_000)], 10);
      const clone = cloneOf(a);
      const c1 = w(clone, 'KPM-0002', 200_000, { terminalId: 'CLONE001' });
      const c2 = w(clone, 'KPM-0003', 50_000, { terminalId: 'CLONE001' });
      await store().ingest('AGT-A', [c1, c2], 20);
      const held = (await store().exceptions(tahap, { limit: 100 })).items.filter((x) => x.kind === 'fork');
      expect(held.map((x) => x.amount).sort()).toEqual([200_000, 50_000].sort());
      const idOf = (amount: number) => held.find((x) => x.amount === amount)!.id;
      const resolve = async (id: string, reason: 'confirmed' | 'recovered_from_agent') => {
        await store().transitionException(id, {
          to: 'investigating',
          reason: undefined,
          note: 'n',
          actor: 'ana',
          now: 30,
        });
        return store().transitionException(id, { to: 'resolved', reason, note: 'checked', actor: 'ana', now: 31 });
      };
      expect(await resolve(idOf(200_000), 'confirmed')).toMatchObject({ state: 'resolved', kind: 'fork' });
      expect((await store().settlements(tahap))['AGT-A']).toMatchObject({
        payable: 300_000,
        disputed: 50_000,
        refused: 0,
        claimed: 350_000,
      });
      await resolve(idOf(50_000), 'recovered_from_agent');
      expect((await store().settlements(tahap))['AGT-A']).toMatchObject({
        payable: 300_000,
        disputed: 0,
        refused: 50_000,
        claimed: 350_000,
      });
      const forks = (await store().withdrawals(tahap, 'fork', { limit: 10 })).items;
      expect(forks.map((v) => v.settlement).sort()).toEqual(['payable', 'refused']);
      // Still listed, with its state: the category did not change, only who bears the cash.
      expect((await store().exceptions(tahap, { state: 'resolved', limit: 10 })).items).toHaveLength(2);
      expect((await store().reconcile(tahap, 40)).agree).toBe(true);
      await h.restart({ tahapClosesAt: {} });
      expect((await store().reconcile(tahap, 41)).agree).toBe(true);
    });

    it('item 7: evidence beyond the per-agent bound is refused (EDC_ERR_EVIDENCE_FULL), changing nothing', async () => {
      await ingestSegment(store(), a.record!, [w(a, 'KPM-0001', 1000)], 10);
      const clone = cloneOf(a);
      const branch = Array.from({ length: conformanceEvidenceEntriesMax + 1 }, () =>
        w(clone, 'KPM-0002', 1000, { terminalId: 'CLONE001' }),
      );
      const before = await observed();
      await expect(store().ingest('AGT-A', branch, 20)).rejects.toMatchObject({ code: 'EDC_ERR_EVIDENCE_FULL' });
      expect(await observed()).toEqual(before);
      const fits = branch.slice(0, conformanceEvidenceEntriesMax);
      expect(await store().ingest('AGT-A', fits, 21)).toMatchObject({ kind: 'fork' });
      expect(await store().evidence('AGT-A', 100)).toHaveLength(conformanceEvidenceEntriesMax);
      const full = await observed();
      const tampered = { ...branch[0]!, amount: 7 } as LedgerEntry;
      await expect(store().recordTampered('AGT-A', [tampered], 'hash', 22)).rejects.toMatchObject({
        code: 'EDC_ERR_EVIDENCE_FULL',
      });
      expect(await observed()).toEqual(full);
    });

    it(
      'item 8: withdrawals outside the set they name are held exceptions: unallocated, over_limit, ' +
        'over_entitlement; issue 10: stamped outside the set’s validity is clock',
      async () => {
        await issue('AGT-A', 'SETA0000000000000000000002', { 'KPM-0001': 600_000, 'KPM-0002': 200_000 });
        const s = { setId: 'SETA0000000000000000000002' };
        const entries = [
          w(a, 'KPM-0001', 100_000, s), // ok
          w(a, 'KPM-0003', 100_000, s), // not in the set it names
          w(a, 'KPM-0001', 550_000, s), // above withdrawalAmountMax 500 000
          w(a, 'KPM-0002', 150_000, s), // ok: 150 000 of 200 000
          w(a, 'KPM-0002', 100_000, s), // 250 000 under a set that granted 200 000
          w(a, 'KPM-0001', 50_000, { ...s, at: 600_000 }), // before issuedAt - skew: clock set back
          w(a, 'KPM-0001', 50_000, { ...s, at: 10_500_000 }), // after expiresAt
          w(a, 'KPM-0004', 100_000, s), // another agent's KPM
          w(a, 'KPM-0001', 10_000, { setId: setB }), // a set issued to another agent
          w(a, 'KPM-0001', 10_000, { setId: 'SETX0000000000000000000001' }), // a set never issued
        ];
        await ingestSegment(store(), a.record!, entries, 10);
        const views = await allWithdrawals(store());
        const bySeq = new Map(views.map((v) => [v.seq, v.category]));
        expect([...Array(10).keys()].map((i) => bySeq.get(i + 1))).toEqual([
          'ok',
          'unallocated',
          'over_limit',
          'ok',
          'over_entitlement',
          'clock',
          'clock',
          'unallocated',
          'unallocated',
          'unallocated',
        ]);
        const total = entries.reduce((n, e) => n + e.amount, 0);
        expect((await store().settlements(tahap))['AGT-A']).toMatchObject({
          payable: 250_000,
          disputed: total - 250_000,
          claimed: total,
        });
        const sum = await store().summary(tahap, {});
        // Cash reached each KPM's own card: all of it is drawn (capped at the credit in withdrawn).
        expect(sum.drawn).toBe(total);
        expect(sum.disbursed).toBe(sum.withdrawn + sum.unclaimed + sum.failed + sum.returned);
        const kinds = (await store().exceptions(tahap, { limit: 100 })).items.map((x) => x.kind);
        for (const kind of ['unallocated', 'over_limit', 'over_entitlement', 'clock']) expect(kinds).toContain(kind);
        expect((await store().reconcile(tahap, 30)).agree).toBe(true);
      },
    );

    it(
      'item 8: a set’s remaining is consumed by the agent’s withdrawals after its basedOnSeq,' +
        ' whatever set they name; a reversal gives it back',
      async () => {
        const s3 = { setId: 'SETA0000000000000000000003' };
        const e1 = w(a, 'KPM-0001', 500_000); // under setA (basedOnSeq 0)
        // Issued before the gateway saw e1: basedOnSeq 0, the whole credit still remaining.
        await issue('AGT-A', s3.setId, { 'KPM-0001': 600_000 });
        const e2 = w(a, 'KPM-0001', 500_000, s3); // 1 000 000 used of 600 000
        const undo = reversal(a, e1); // gives 500 000 back
        const e4 = w(a, 'KPM-0001', 100_000, s3); // 600 000 used of 600 000
        const e5 = w(a, 'KPM-0001', 1, s3); // 600 001
        await ingestSegment(store(), a.record!, [e1, e2, undo, e4, e5], 10);
        const views = await allWithdrawals(store());
        expect(views.map((v) => [v.seq, v.category]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
          [1, 'reversed'],
          [2, 'over_entitlement'],
          [4, 'ok'],
          [5, 'over_entitlement'],
        ]);
        expect((await store().reconcile(tahap, 30)).agree).toBe(true);
      },
    );

    it('item 8: each withdrawal is checked against what its own set granted, not the latest set', async () => {
      const [s1, s2, s3] = ['SETA0000000000000000000011', 'SETA0000000000000000000012', 'SETA0000000000000000000013'];
      await issue('AGT-A', s1, { 'KPM-0001': 600_000, 'KPM-0002': 600_000 });
      await issue('AGT-A', s2, { 'KPM-0002': 600_000 }); // KPM-0001 moved away
      await issue('AGT-A', s3, { 'KPM-0001': 300_000, 'KPM-0002': 600_000 }); // and back, 300 000 left
      await issue('AGT-A', s2, { 'KPM-0001': 999_999 }); // a set id already recorded is left as it is
      const entries = [
        w(a, 'KPM-0001', 400_000, { setId: s1 }), // granted 600 000 by s1: ok
        w(a, 'KPM-0001', 10_000, { setId: s2 }), // s2 does not list it
        w(a, 'KPM-0001', 400_000, { setId: s3 }), // s3 granted 300 000 (basedOnSeq 0: all three count)
      ];
      await ingestSegment(store(), a.record!, entries, 10);
      const views = await allWithdrawals(store());
      expect(views.map((v) => [v.seq, v.category]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
        [1, 'ok'],
        [2, 'unallocated'],
        [3, 'over_entitlement'],
      ]);
      expect((await store().reconcile(tahap, 30)).agree).toBe(true);
    });

    it('issue 10: late is only "received after the tahap closed", and stays payable', async () => {
      await ingestSegment(store(), a.record!, [w(a, 'KPM-0001', 100_000)], 10);
      await ingestSegment(store(), a.record!, [w(a, 'KPM-0002', 200_000)], 500);
      await h.restart({ tahapClosesAt: { [tahap]: 100 } });
      const result = await store().reconcile(tahap, 600);
      expect(result.totals.withdrawalsByCategory).toMatchObject({
        ok: { count: 1, amount: 100_000 },
        late: { count: 1, amount: 200_000 },
      });
      expect(result.settlements['AGT-A']).toMatchObject({ payable: 300_000, disputed: 0 });
    });
  });
}
