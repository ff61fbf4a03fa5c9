/**
 * The category of each of a KPM's withdrawals: exactly one, the first rule that applies.
 *
 *   fault             tampered evidence: its hash or signature does not verify (no claim)
 *   duplicate         same terminalId + stan + localDate as an earlier withdrawal (chain or fork;
 *                     earlier = smaller receivedAt, then agentId, seq, source, ref) under another id
 *   reversed          a reversal from the same agent and the same side (chain or fork branch)
 *                     names it (id, seq, amount)
 *   unknown_card      the KPM has no credited row in the tahap, or the entry's panHash is not
 *                     HMAC(agent lookupKey, PAN) of a credited row of that KPM
 *   fork              verified with the agent's key, on a branch that conflicts with the chain
 *                     the gateway holds (a cloned key; a device that lost entries and reused seqs)
 *   unallocated       the set it names was never issued to this agent for this tahap, or does
 *                     not list this KPM
 *   clock             stamped (`at`) before the set's notBefore (issuedAt - the request clock
 *                     skew) or after its expiresAt: a clock set back or an offline age exceeded
 *   over_limit        amount above the set's limits.withdrawalAmountMax
 *   over_entitlement  the agent's use of the set's remaining for this KPM, by this withdrawal,
 *                     exceeds it (entitlement-use.ts)
 *   late              received after the tahap's closing time (tahapClosesAt)
 *   ok                everything else
 */
import { settlementTreatment, type ResolutionReason, type WithdrawalCategory } from './categories.ts';
import type { ClassifiedWithdrawal, ClassifyContext, PositionFacts, ReversalFact, WithdrawalFact } from './classify.ts';
import { EntitlementUse } from './entitlement-use.ts';
import { withdrawalRef, type WithdrawalSource } from './evidence.ts';

const sourceRank: Record<WithdrawalSource, number> = { chain: 0, fork: 1, tampered: 2 };

function compareWithdrawals(a: WithdrawalFact, b: WithdrawalFact): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt - b.receivedAt;
  if (a.agentId !== b.agentId) return a.agentId < b.agentId ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  if (a.source !== b.source) return sourceRank[a.source] - sourceRank[b.source];
  const ra = withdrawalRef(a);
  const rb = withdrawalRef(b);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

interface ReversalMatch {
  /** refs of the withdrawals a reversal undid. */
  readonly reversed: Set<string>;
  readonly unmatched: number;
  /** The reversals that undid a withdrawal (they give back entitlement). */
  readonly restoring: ReversalFact[];
}

/**
 * A reversal undoes one withdrawal of its own side: a chain reversal a chain withdrawal, a fork
 * branch's reversal a withdrawal of a fork branch, so a clone can never cancel a payout of the
 * chain the gateway holds. Each withdrawal is undone at most once; the rest are unmatched.
 */
function matchReversals(facts: PositionFacts): ReversalMatch {
  const byTarget = new Map<string, WithdrawalFact[]>();
  for (const w of facts.withdrawals) {
    if (w.source === 'tampered') continue;
    const key = `${w.agentId}/${w.seq}/${w.id}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), w]);
  }
  const reversed = new Set<string>();
  const restoring: ReversalFact[] = [];
  let unmatched = 0;
  for (const r of facts.reversals) {
    if (r.source === 'tampered') continue;
    const target = (byTarget.get(`${r.agentId}/${r.reversesSeq}/${r.reverses}`) ?? []).find(
      (w) =>
        (w.source === 'chain') === (r.source === 'chain') && w.amount === r.amount && !reversed.has(withdrawalRef(w)),
    );
    if (target === undefined) unmatched += 1;
    else {
      reversed.add(withdrawalRef(target));
      restoring.push(r);
    }
  }
  return { reversed, unmatched, restoring };
}

interface RuleState {
  readonly credited: number;
  readonly ctx: ClassifyContext;
  readonly reversed: Set<string>;
  readonly use: EntitlementUse;
  readonly firstByDupKey: Map<string, string>;
}

/** The rules about the set a chain withdrawal names, and the tahap's close. */
function setCategory(w: WithdrawalFact, state: RuleState): WithdrawalCategory {
  const s = w.set;
  if (s === undefined || s.remaining === undefined) return 'unallocated';
  if (w.at < s.notBefore || w.at > s.expiresAt) return 'clock';
  if (w.amount > s.withdrawalAmountMax) return 'over_limit';
  if (state.use.usedBy(w, s.basedOnSeq) > s.remaining) return 'over_entitlement';
  if (state.ctx.closesAt !== undefined && w.receivedAt > state.ctx.closesAt) return 'late';
  return 'ok';
}

function categoryOf(w: WithdrawalFact, ref: string, state: RuleState): WithdrawalCategory {
  if (w.source === 'tampered') return 'fault';
  const first = state.firstByDupKey.get(w.dupKey);
  if (first === undefined) state.firstByDupKey.set(w.dupKey, w.id);
  else if (first !== w.id) return 'duplicate';
  if (state.reversed.has(ref)) return 'reversed';
  if (state.credited === 0 || !w.panOk) return 'unknown_card';
  if (w.source === 'fork') return 'fork';
  return setCategory(w, state);
}

/**
 * The terminal's local date (MMDD) of a withdrawal: its dupKey is `terminalId|stan|localDate`
 * (facts.ts addEntryFact), and a terminal id may itself hold '|', so the date is the last 4 characters.
 */
export function localDateOf(w: WithdrawalFact): string {
  return w.dupKey.slice(-4);
}

export function classifyWithdrawals(
  facts: PositionFacts,
  credited: number,
  ctx: ClassifyContext,
): { list: ClassifiedWithdrawal[]; unmatched: number } {
  const { reversed, unmatched, restoring } = matchReversals(facts);
  const state: RuleState = {
    credited,
    ctx,
    reversed,
    use: new EntitlementUse(facts.withdrawals, restoring),
    firstByDupKey: new Map(),
  };
  const resolutions = new Map<string, ResolutionReason>();
  for (const r of facts.resolutions) if (!resolutions.has(r.ref)) resolutions.set(r.ref, r.reason);
  const list: ClassifiedWithdrawal[] = [];
  for (const w of [...facts.withdrawals].sort(compareWithdrawals)) {
    const ref = withdrawalRef(w);
    const category = categoryOf(w, ref, state);
    list.push({
      agentId: w.agentId,
      seq: w.seq,
      hash: w.hash,
      source: w.source,
      ref,
      amount: w.amount,
      localDate: localDateOf(w),
      category,
      settlement: settlementTreatment(category, resolutions.get(ref)),
    });
  }
  return { list, unmatched };
}
