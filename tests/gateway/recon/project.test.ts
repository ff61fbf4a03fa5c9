/**
 * recon/project.ts: the pure projection every store applies. The property: applying the
 * projected changes of every single change, in order, to an empty state gives exactly the state
 * built from scratch from the final classifications (what a full recompute sums), whatever the
 * order of rows, withdrawals, reversals and evidence; and each change's removes name records that
 * exist, so a store never has to guess.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyPosition,
  type Classification,
  type PositionFacts,
  type ReversalFact,
  type RowFact,
  type SetFact,
  type WithdrawalFact,
} from '../../../gateway/recon/classify.ts';
import type { ResolutionReason } from '../../../gateway/recon/categories.ts';
import { withdrawalRef, type WithdrawalSource } from '../../../gateway/recon/evidence.ts';
import {
  addDayCounters,
  addSettlementCounters,
  addTahapCounters,
  dayContributions,
  emptyDayCounters,
  emptySettlementCounters,
  emptyTahapCounters,
  isZeroDay,
  isZeroSettlement,
  isZeroTahap,
  settlementContributions,
  tahapContribution,
  type DayCounters,
  type SettlementCounters,
  type TahapCounters,
} from '../../../gateway/recon/counters.ts';
import { projectChange, type ReconChanges } from '../../../gateway/recon/project.ts';
import {
  dayWithdrawalViews,
  positionView,
  withdrawalViews,
  type DayWithdrawalView,
  type PositionView,
  type WithdrawalView,
} from '../../../gateway/recon/views.ts';

const tahap = '2026-IV';

/** The derived state as a store would hold it: buckets, settlements and the two indexes. */
interface Model {
  counters: Map<string, TahapCounters>;
  settlements: Map<string, SettlementCounters>;
  kpmIndex: Map<string, PositionView>;
  withdrawalIndex: Map<string, WithdrawalView>;
  days: Map<string, DayCounters>;
  dayIndex: Map<string, DayWithdrawalView>;
}

const emptyModel = (): Model => ({
  counters: new Map(),
  settlements: new Map(),
  kpmIndex: new Map(),
  withdrawalIndex: new Map(),
  days: new Map(),
  dayIndex: new Map(),
});
const dKey = (w: { localDate: string; bank: string; ref: string }) => `${w.localDate}/${w.bank}/${w.ref}`;
const wKey = (w: { category: string; ref: string }) => `${w.category}/${w.ref}`;

/** Applies changes as every store must: removes (which must exist) before puts, deltas added, zeros dropped. */
function apply(model: Model, changes: ReconChanges): void {
  for (const r of changes.kpmIndex.remove) expect(model.kpmIndex.delete(`${r.category}/${r.kpmId}`)).toBe(true);
  for (const v of changes.kpmIndex.put) model.kpmIndex.set(`${v.category}/${v.kpmId}`, v);
  for (const r of changes.withdrawalIndex.remove) expect(model.withdrawalIndex.delete(wKey(r))).toBe(true);
  for (const v of changes.withdrawalIndex.put) model.withdrawalIndex.set(wKey(v), v);
  for (const b of changes.counters) {
    const key = `${b.bank}/${b.regionCode}`;
    const c = model.counters.get(key) ?? emptyTahapCounters();
    addTahapCounters(c, b.delta);
    if (isZeroTahap(c)) model.counters.delete(key);
    else model.counters.set(key, c);
  }
  for (const s of changes.settlements) {
    const c = model.settlements.get(s.agentId) ?? emptySettlementCounters();
    addSettlementCounters(c, s.delta);
    if (isZeroSettlement(c)) model.settlements.delete(s.agentId);
    else model.settlements.set(s.agentId, c);
  }
  for (const r of changes.dayIndex.remove) expect(model.dayIndex.delete(dKey(r))).toBe(true);
  for (const v of changes.dayIndex.put) model.dayIndex.set(dKey(v), v);
  for (const d of changes.days) {
    const key = `${d.bank}/${d.localDate}`;
    const c = model.days.get(key) ?? emptyDayCounters();
    addDayCounters(c, d.delta);
    if (isZeroDay(c)) model.days.delete(key);
    else model.days.set(key, c);
  }
}

/** The same state built from scratch: each KPM's final classification contributed once. */
function fromScratch(final: Map<string, Classification>): Model {
  const model = emptyModel();
  for (const [kpmId, c] of final) {
    const key = `${c.bank}/${c.regionCode}`;
    const counters = model.counters.get(key) ?? emptyTahapCounters();
    addTahapCounters(counters, tahapContribution(c));
    model.counters.set(key, counters);
    for (const [agentId, s] of settlementContributions(c)) {
      const into = model.settlements.get(agentId) ?? emptySettlementCounters();
      addSettlementCounters(into, s);
      model.settlements.set(agentId, into);
    }
    model.kpmIndex.set(`${c.category}/${kpmId}`, positionView(kpmId, c));
    for (const v of withdrawalViews(kpmId, c)) model.withdrawalIndex.set(wKey(v), v);
    for (const [localDate, d] of dayContributions(c)) {
      const into = model.days.get(`${c.bank}/${localDate}`) ?? emptyDayCounters();
      addDayCounters(into, d);
      model.days.set(`${c.bank}/${localDate}`, into);
    }
    for (const v of dayWithdrawalViews(kpmId, c)) model.dayIndex.set(dKey(v), v);
  }
  return model;
}

const kpmIds = ['KPM-1', 'KPM-2', 'KPM-3'];
const rowArb = fc.record({
  kind: fc.constant('row' as const),
  kpm: fc.nat({ max: 2 }),
  bank: fc.constantFrom('BRI', 'BNI'),
  regionCode: fc.constantFrom('3201010001', '3301010001'),
  amount: fc.integer({ min: 1, max: 5 }).map((n) => n * 100_000),
  status: fc.constantFrom<RowFact['status']>('credited', 'credited', 'failed', 'returned'),
});
const withdrawalArb = fc.record({
  kind: fc.constant('withdrawal' as const),
  kpm: fc.nat({ max: 2 }),
  agentId: fc.constantFrom('AGT-A', 'AGT-B'),
  amount: fc.integer({ min: 1, max: 4 }).map((n) => n * 100_000),
  dup: fc.nat({ max: 2 }),
  localDate: fc.constantFrom('1122', '1123'),
  panOk: fc.boolean(),
  source: fc.constantFrom<WithdrawalSource>('chain', 'chain', 'chain', 'fork', 'tampered'),
  set: fc.constantFrom('granted', 'granted', 'none', 'unlisted', 'expired', 'basedLater'),
});
const reversalArb = fc.record({
  kind: fc.constant('reversal' as const),
  kpm: fc.nat({ max: 2 }),
  pick: fc.nat(),
  sameSide: fc.boolean(),
});
const resolutionArb = fc.record({
  kind: fc.constant('resolution' as const),
  kpm: fc.nat({ max: 2 }),
  pick: fc.nat(),
  reason: fc.constantFrom<ResolutionReason>('confirmed', 'recovered_from_agent', 'other'),
});
const stepArb = fc.oneof(rowArb, withdrawalArb, reversalArb, resolutionArb);
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

/** The set facts a generated withdrawal names: granted 600 000 with a 300 000 maximum, or broken one way. */
function setFact(kind: string): SetFact | undefined {
  if (kind === 'none') return undefined;
  return {
    setId: 'S',
    notBefore: 0,
    expiresAt: kind === 'expired' ? 5 : 1_000,
    basedOnSeq: kind === 'basedLater' ? 15 : 0,
    withdrawalAmountMax: 300_000,
    remaining: kind === 'unlisted' ? undefined : 600_000,
  };
}

/** The KPM's facts after one more step (a new object: facts are never changed in place). */
function grow(facts: PositionFacts, step: Step, i: number): PositionFacts {
  if (step.kind === 'row') {
    const row: RowFact = { ...step, reference: `R${i}` };
    return { ...facts, rows: [...facts.rows, row] };
  }
  if (step.kind === 'withdrawal') {
    const w: WithdrawalFact = {
      agentId: step.agentId,
      seq: i,
      id: `W${i}`,
      hash: `h${i}`,
      source: step.source,
      evidenceHash: step.source === 'chain' ? undefined : `e${i}`,
      amount: step.amount,
      dupKey: `T|${step.dup}|${step.localDate}`,
      receivedAt: i,
      at: 10,
      set: setFact(step.set),
      panOk: step.panOk,
      agentBank: 'BRI',
      agentRegion: '3201010001',
    };
    return { ...facts, withdrawals: [...facts.withdrawals, w] };
  }
  const target = facts.withdrawals[step.pick % Math.max(1, facts.withdrawals.length)];
  if (target === undefined) return facts;
  if (step.kind === 'resolution') {
    const ref = withdrawalRef(target);
    if (facts.resolutions.some((r) => r.ref === ref)) return facts;
    return { ...facts, resolutions: [...facts.resolutions, { ref, reason: step.reason }] };
  }
  const reversal: ReversalFact = {
    agentId: target.agentId,
    seq: 10_000 + i,
    reverses: target.id,
    reversesSeq: target.seq,
    amount: target.amount,
    source: step.sameSide ? target.source : target.source === 'chain' ? 'fork' : 'chain',
  };
  return { ...facts, reversals: [...facts.reversals, reversal] };
}

describe('projectChange', () => {
  it('applied change by change, equals the state built from the final classifications', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        const facts = new Map<string, PositionFacts>();
        const classified = new Map<string, Classification>();
        const model = emptyModel();
        steps.forEach((step, i) => {
          const kpmId = kpmIds[step.kpm]!;
          const before = facts.get(kpmId) ?? {
            tahap,
            kpmId,
            rows: [],
            withdrawals: [],
            reversals: [],
            resolutions: [],
          };
          const after = grow(before, step, i);
          if (after === before) return;
          facts.set(kpmId, after);
          const next = classifyPosition(after, { closesAt: undefined });
          apply(model, projectChange({ tahap, kpmId, before: classified.get(kpmId), after: next }));
          classified.set(kpmId, next);
        });
        const expected = fromScratch(classified);
        expect(Object.fromEntries(model.counters)).toEqual(Object.fromEntries(expected.counters));
        expect(Object.fromEntries(model.settlements)).toEqual(Object.fromEntries(expected.settlements));
        expect(Object.fromEntries(model.kpmIndex)).toEqual(Object.fromEntries(expected.kpmIndex));
        expect(Object.fromEntries(model.withdrawalIndex)).toEqual(Object.fromEntries(expected.withdrawalIndex));
        expect(Object.fromEntries(model.days)).toEqual(Object.fromEntries(expected.days));
        expect(Object.fromEntries(model.dayIndex)).toEqual(Object.fromEntries(expected.dayIndex));
      }),
      { numRuns: 300 },
    );
  });

  const row = (amount: number, regionCode = '3201010001'): RowFact => ({
    bank: 'BRI',
    reference: `R${amount}${regionCode}`,
    regionCode,
    amount,
    status: 'credited',
  });
  const facts = (rows: RowFact[], withdrawals: WithdrawalFact[] = []): PositionFacts => ({
    tahap,
    kpmId: 'KPM-1',
    rows,
    withdrawals,
    reversals: [],
    resolutions: [],
  });
  const drawn = (amount: number): WithdrawalFact => ({
    agentId: 'AGT-A',
    seq: 1,
    id: 'W1',
    hash: 'h1',
    source: 'chain',
    amount,
    dupKey: 'T|1|1122',
    receivedAt: 1,
    at: 1,
    set: { setId: 'S', notBefore: 0, expiresAt: 10, basedOnSeq: 0, withdrawalAmountMax: 500_000, remaining: 500_000 },
    panOk: true,
    agentBank: 'BNI',
    agentRegion: '3301010001',
  });
  const classify = (f: PositionFacts) => classifyPosition(f, { closesAt: undefined });

  it('is deterministic and empty when nothing moves', () => {
    const c = classify(facts([row(500_000)], [drawn(100_000)]));
    const change = { tahap, kpmId: 'KPM-1', before: c, after: structuredClone(c) };
    expect(projectChange(change)).toEqual({
      tahap,
      kpmId: 'KPM-1',
      counters: [],
      settlements: [],
      kpmIndex: { remove: [], put: [] },
      withdrawalIndex: { remove: [], put: [] },
      days: [],
      dayIndex: { remove: [], put: [] },
    });
    const moved = { ...change, before: undefined };
    expect(JSON.stringify(projectChange(moved))).toBe(JSON.stringify(projectChange(moved)));
  });

  it('a withdrawal moves the KPM from unclaimed to partial: index moved, one bucket delta, one settlement', () => {
    const before = classify(facts([row(500_000)]));
    const after = classify(facts([row(500_000)], [drawn(200_000)]));
    const out = projectChange({ tahap, kpmId: 'KPM-1', before, after });
    expect(out.kpmIndex.remove).toEqual([{ category: 'unclaimed', kpmId: 'KPM-1' }]);
    expect(out.kpmIndex.put).toMatchObject([{ category: 'partial', drawn: 200_000, unclaimed: 300_000 }]);
    expect(out.withdrawalIndex).toMatchObject({ remove: [], put: [{ category: 'ok', seq: 1, amount: 200_000 }] });
    expect(out.counters).toHaveLength(1);
    expect(out.counters[0]!.delta).toMatchObject({
      kpm: 0,
      drawn: 200_000,
      withdrawn: 200_000,
      unclaimed: -200_000,
      kpmByCategory: { unclaimed: { count: -1, credited: -500_000 }, partial: { count: 1, credited: 500_000 } },
      withdrawalsByCategory: { ok: { count: 1, amount: 200_000 } },
    });
    expect(out.settlements).toMatchObject([{ agentId: 'AGT-A', delta: { payable: 200_000, claimed: 200_000 } }]);
  });

  it('a withdrawal adds to its local date; its reversal takes it off that day and out of the day index', () => {
    const w = drawn(200_000);
    const before = classify(facts([row(500_000)]));
    const after = classify(facts([row(500_000)], [w]));
    const added = projectChange({ tahap, kpmId: 'KPM-1', before, after });
    expect(added.days).toEqual([{ bank: 'BRI', localDate: '1122', delta: { count: 1, amount: 200_000 } }]);
    expect(added.dayIndex.put).toMatchObject([{ localDate: '1122', bank: 'BRI', seq: 1, amount: 200_000 }]);
    const reversal: ReversalFact = {
      agentId: 'AGT-A',
      seq: 2,
      reverses: w.id,
      reversesSeq: w.seq,
      amount: w.amount,
      source: 'chain',
    };
    const reversed = classify({ ...facts([row(500_000)], [w]), reversals: [reversal] });
    const out = projectChange({ tahap, kpmId: 'KPM-1', before: after, after: reversed });
    expect(out.days).toEqual([{ bank: 'BRI', localDate: '1122', delta: { count: -1, amount: -200_000 } }]);
    expect(out.dayIndex).toEqual({
      remove: [{ localDate: '1122', bank: 'BRI', agentId: 'AGT-A', seq: 1, ref: 'AGT-A:1:h1' }],
      put: [],
    });
  });

  it("a first row moves a KPM known only from a withdrawal out of the agent's bucket into the row's", () => {
    const before = classify(facts([], [drawn(100_000)]));
    const after = classify(facts([row(500_000)], [drawn(100_000)]));
    const out = projectChange({ tahap, kpmId: 'KPM-1', before, after });
    expect(out.counters.map((b) => [b.bank, b.regionCode, b.delta.kpm])).toEqual([
      ['BNI', '3301010001', -1],
      ['BRI', '3201010001', 1],
    ]);
    expect(out.withdrawalIndex.remove).toEqual([
      { category: 'unknown_card', agentId: 'AGT-A', seq: 1, ref: 'AGT-A:1:h1' },
    ]);
    expect(out.withdrawalIndex.put).toMatchObject([{ category: 'ok', bank: 'BRI', regionCode: '3201010001' }]);
  });
});
