/**
 * The per-withdrawal rules as pure functions (recon/withdrawal-rules.ts, categories.ts,
 * entitlement-use.ts, evidence.ts): each rule alone, their order, what each category means for
 * the KPM's drawn figure and for the agent's settlement, and the record identity.
 */
import { describe, expect, it } from 'vitest';
import {
  drawnCategories,
  settlementTreatment,
  withdrawalCategories,
  type WithdrawalCategory,
} from '../../../gateway/recon/categories.ts';
import {
  classifyPosition,
  type PositionFacts,
  type ReversalFact,
  type SetFact,
  type WithdrawalFact,
} from '../../../gateway/recon/classify.ts';
import { evidenceHash, withdrawalRef } from '../../../gateway/recon/evidence.ts';
import { withdrawalExceptionKinds, parseExceptionId } from '../../../gateway/recon/exceptions.ts';
import { newAgent, panOf, withdrawal } from '../helpers.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';

const set: SetFact = {
  setId: 'S1',
  notBefore: 1_000,
  expiresAt: 9_000,
  basedOnSeq: 0,
  withdrawalAmountMax: 500_000,
  remaining: 600_000,
};

let seq = 0;
function w(extra: Partial<WithdrawalFact> = {}): WithdrawalFact {
  seq += 1;
  return {
    agentId: 'AGT-A',
    seq,
    id: `W${seq}`,
    hash: `h${seq}`,
    source: 'chain',
    amount: 100_000,
    dupKey: `T|${seq}|1122`,
    receivedAt: seq,
    at: 2_000,
    set,
    panOk: true,
    agentBank: 'BRI',
    agentRegion: '3201010001',
    ...extra,
  };
}

function undo(target: WithdrawalFact, extra: Partial<ReversalFact> = {}): ReversalFact {
  seq += 1;
  return {
    agentId: target.agentId,
    seq,
    reverses: target.id,
    reversesSeq: target.seq,
    amount: target.amount,
    source: target.source,
    ...extra,
  };
}

function classify(withdrawals: WithdrawalFact[], more: Partial<PositionFacts> = {}, closesAt?: number) {
  const facts: PositionFacts = {
    tahap: '2026-IV',
    kpmId: 'KPM-1',
    rows: [{ bank: 'BRI', reference: 'R', regionCode: '3201010001', amount: 600_000, status: 'credited' }],
    withdrawals,
    reversals: [],
    resolutions: [],
    ...more,
  };
  return classifyPosition(facts, { closesAt });
}

const categories = (c: ReturnType<typeof classify>) => c.withdrawals.map((x) => x.category);

describe('withdrawal rules', () => {
  it('each rule alone gives its category', () => {
    const cases: [WithdrawalCategory, Partial<WithdrawalFact>][] = [
      ['ok', {}],
      ['fault', { source: 'tampered', evidenceHash: 'e' }],
      ['unknown_card', { panOk: false }],
      ['fork', { source: 'fork', evidenceHash: 'e' }],
      ['unallocated', { set: undefined }],
      ['unallocated', { set: { ...set, remaining: undefined } }],
      ['clock', { at: 999 }],
      ['clock', { at: 9_001 }],
      ['over_limit', { amount: 500_001 }],
      ['over_entitlement', { set: { ...set, remaining: 99_999 } }],
    ];
    for (const [expected, extra] of cases)
      expect([expected, categories(classify([w(extra)]))]).toEqual([expected, [expected]]);
    expect(categories(classify([w({ receivedAt: 50_000 })], {}, 40_000))).toEqual(['late']);
    expect(categories(classify([w()], { rows: [] }))).toEqual(['unknown_card']);
  });

  it('the first rule that applies wins, in the documented order', () => {
    const everything = { source: 'fork' as const, evidenceHash: 'e', set: undefined, at: 1, amount: 900_000 };
    expect(categories(classify([w({ ...everything, panOk: false })]))).toEqual(['unknown_card']);
    expect(categories(classify([w(everything)]))).toEqual(['fork']);
    expect(categories(classify([w({ at: 1, amount: 900_000, set: { ...set, remaining: 1 } })]))).toEqual(['clock']);
    expect(categories(classify([w({ amount: 900_000, set: { ...set, remaining: 1 } })]))).toEqual(['over_limit']);
    expect(categories(classify([w({ set: { ...set, remaining: 1 }, receivedAt: 99 })], {}, 50))).toEqual([
      'over_entitlement',
    ]);
    const first = w();
    const again = w({ dupKey: first.dupKey, source: 'fork', evidenceHash: 'e' });
    expect(categories(classify([first, again]))).toEqual(['ok', 'duplicate']);
  });

  it('drawn counts exactly the drawn categories; withdrawn is capped at the credit, the rest is excess', () => {
    const list = [
      w({ amount: 100_000 }),
      w({ amount: 200_000, set: undefined }),
      w({ amount: 300_000, source: 'fork', evidenceHash: 'e' }),
      w({ amount: 400_000, panOk: false }),
      w({ amount: 50_000, source: 'tampered', evidenceHash: 'f' }),
    ];
    const c = classify(list);
    expect(categories(c)).toEqual(['ok', 'unallocated', 'fork', 'unknown_card', 'fault']);
    expect(c).toMatchObject({ drawn: 600_000, withdrawn: 600_000, overdrawnExcess: 0, category: 'matched' });
    const more = classify([...list, w({ amount: 1, at: 1 })]);
    expect(more).toMatchObject({ drawn: 600_001, withdrawn: 600_000, overdrawnExcess: 1, category: 'overdrawn' });
    expect([...drawnCategories].sort()).toEqual(
      ['ok', 'late', 'clock', 'unallocated', 'over_limit', 'over_entitlement', 'fork'].sort(),
    );
  });

  it('a reversal undoes a withdrawal of its own side only; a second reversal of one is unmatched', () => {
    const chain = w();
    const fork = w({ source: 'fork', evidenceHash: 'e' });
    const c = classify([chain, fork], {
      reversals: [
        undo(chain, { source: 'fork' }), // a fork branch cannot cancel the chain's payout
        undo(fork),
        undo(fork),
      ],
    });
    expect(categories(c)).toEqual(['ok', 'reversed']);
    expect(c.reversalsUnmatched).toBe(2);
    expect(c.drawn).toBe(100_000);
  });

  it("a set's remaining is used from its basedOnSeq on, by any set's withdrawals; a reversal gives it back", () => {
    seq = 0;
    const older = { ...set, setId: 'S0' };
    const newer = { ...set, setId: 'S2', basedOnSeq: 1, remaining: 300_000 };
    const w1 = w({ amount: 300_000, set: older }); // seq 1: counted by the gateway when S2 was issued
    const w2 = w({ amount: 200_000, set: older }); // seq 2: made offline, not yet counted: uses S2
    const w3 = w({ amount: 100_000, set: newer }); // 300 000 of 300 000
    const w4 = w({ amount: 1, set: newer }); // 300 001
    expect(categories(classify([w1, w2, w3, w4]))).toEqual(['ok', 'ok', 'ok', 'over_entitlement']);
    const back = undo(w2); // seq 5
    const w6 = w({ amount: 200_000, set: newer }); // 300 001 - 200 000 + 200 000 = 300 001: still over
    const w7 = w({ amount: 1, set: { ...newer, remaining: 300_002 } });
    expect(categories(classify([w1, w2, w3, w4, w6, w7], { reversals: [back] }))).toEqual([
      'ok',
      'reversed',
      'ok',
      'over_entitlement',
      'over_entitlement',
      'ok',
    ]);
    // Another agent's withdrawals never use this agent's set.
    expect(categories(classify([w({ agentId: 'AGT-B', amount: 500_000 }), w({ amount: 500_000 })]))).toEqual([
      'ok',
      'ok',
    ]);
  });

  it('settlement treatment: ok and late payable, other claims disputed until resolved, reversed and fault none', () => {
    const table = Object.fromEntries(withdrawalCategories.map((c) => [c, settlementTreatment(c, undefined)]));
    expect(table).toEqual({
      ok: 'payable',
      late: 'payable',
      clock: 'disputed',
      unallocated: 'disputed',
      over_limit: 'disputed',
      over_entitlement: 'disputed',
      fork: 'disputed',
      unknown_card: 'disputed',
      duplicate: 'disputed',
      reversed: 'none',
      fault: 'none',
    });
    expect(settlementTreatment('fork', 'confirmed')).toBe('payable');
    for (const reason of ['recovered_from_agent', 'returned_to_treasury', 'other'] as const) {
      expect(settlementTreatment('fork', reason)).toBe('refused');
      expect(settlementTreatment('ok', reason)).toBe('refused');
    }
    expect(settlementTreatment('fault', 'confirmed')).toBe('none');
    expect(withdrawalExceptionKinds).toEqual(withdrawalCategories.filter((c) => c !== 'ok' && c !== 'reversed'));
  });

  it('a resolution applies to the withdrawal with its ref only', () => {
    const a = w({ source: 'fork', evidenceHash: 'e1' });
    const b = w({ source: 'fork', evidenceHash: 'e2' });
    const c = classify([a, b], { resolutions: [{ ref: withdrawalRef(a), reason: 'confirmed' }] });
    expect(c.withdrawals.map((x) => x.settlement)).toEqual(['payable', 'disputed']);
  });
});

describe('withdrawal record identity', () => {
  it('a tampered copy keeps the claimed hash but gets its own evidence hash, ref and exception id', () => {
    const keys = generateGatewayKeys();
    const agent = newAgent('AGT-A');
    const genuine = withdrawal(agent, keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001') });
    const copy = { ...genuine, amount: 200_000 };
    expect(copy.hash).toBe(genuine.hash);
    const refs = [
      withdrawalRef({ ...genuine, source: 'chain' }),
      withdrawalRef({ ...copy, source: 'tampered', evidenceHash: evidenceHash(copy) }),
      withdrawalRef({ ...genuine, source: 'tampered', evidenceHash: evidenceHash(genuine) }),
    ];
    expect(new Set(refs).size).toBe(3);
    expect(refs[0]).toBe(`AGT-A:1:${genuine.hash}`);
    expect(evidenceHash(copy)).toMatch(/^[0-9a-f]{64}$/);
    expect(evidenceHash(copy)).toBe(evidenceHash({ ...copy }));
    expect(parseExceptionId(`W:2026-IV:${refs[1]}`)).toEqual({
      type: 'W',
      tahap: '2026-IV',
      agentId: 'AGT-A',
      seq: 1,
      ref: refs[1],
    });
    expect(parseExceptionId('W:2026-IV:AGT-A:x:h')).toBeUndefined();
  });
});
