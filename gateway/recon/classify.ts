/**
 * Reconciliation categories, as pure functions of one KPM's facts in one tahap. The continuous
 * path (every upload, import and resolution) and the full recompute both call
 * `classifyPosition`, so they can only disagree if their facts differ, which is exactly what
 * `reconcile` looks for.
 *
 * Per KPM (exactly one):
 *   no_disbursement  credited = 0 (rows all failed/returned, or no row at all: gagal transfer)
 *   unclaimed        credited > 0, drawn = 0 (dana tidak tersalur)
 *   partial          0 < drawn < credited
 *   matched          drawn = credited
 *   overdrawn        drawn > credited
 * Per withdrawal: see withdrawal-rules.ts (first rule that applies, from fault to ok).
 * drawn = sum of the withdrawals in drawnCategories (categories.ts): cash that reached the KPM's
 * own card and no other record counts. Balancing identity, per KPM and so per tahap:
 *   disbursed (all rows) = withdrawn + unclaimed + failed + returned
 *   where withdrawn = min(drawn, credited) and unclaimed = credited - withdrawn;
 *   overdrawnExcess = drawn - withdrawn is cash paid beyond the credit, reported beside it.
 */
import { drawnCategories, type KpmCategory, type ResolutionReason } from './categories.ts';
import type { SettlementTreatment, WithdrawalCategory } from './categories.ts';
import type { WithdrawalSource } from './evidence.ts';
import { classifyWithdrawals } from './withdrawal-rules.ts';

export { kpmCategories, withdrawalCategories } from './categories.ts';
export type { KpmCategory, WithdrawalCategory } from './categories.ts';

export interface RowFact {
  readonly bank: string;
  readonly reference: string;
  readonly regionCode: string;
  readonly amount: number;
  /**
   * The bank's status, or the reconciler's settlement of a failed row (store/level/failed-credits.ts):
   * a failed row returned to the treasury counts as returned; a failed row re-disbursed counts in no
   * figure (`redisbursed`), its amount being in the new credited row linked to it.
   */
  readonly status: 'credited' | 'failed' | 'returned' | 'redisbursed';
}

/** The entitlement set a withdrawal names, as the gateway issued it to that agent for that tahap. */
export interface SetFact {
  readonly setId: string;
  /** Earliest `at` an honest agent stamps under the set: issuedAt minus the request clock skew allowed. */
  readonly notBefore: number;
  readonly expiresAt: number;
  /** The agent's entries up to this seq were already subtracted from `remaining`. */
  readonly basedOnSeq: number;
  readonly withdrawalAmountMax: number;
  /** What the set let this KPM draw; undefined when the set does not list the KPM. */
  readonly remaining: number | undefined;
}

export interface WithdrawalFact {
  readonly agentId: string;
  /** seq in the agent's chain; for evidence, the seq the entry claimed. */
  readonly seq: number;
  readonly id: string;
  /** The entry's hash field (for a tampered entry: what it claims, not what its bytes hash to). */
  readonly hash: string;
  readonly source: WithdrawalSource;
  /** Set for evidence: SHA-256 of the entry as received (recon/evidence.ts). */
  readonly evidenceHash?: string | undefined;
  readonly amount: number;
  readonly dupKey: string;
  readonly receivedAt: number;
  readonly at: number;
  /** The set it names; undefined when the gateway never issued that set to this agent for this tahap. */
  readonly set: SetFact | undefined;
  /** entry panHash equals HMAC(agent lookupKey, PAN) of a credited row of this KPM. */
  readonly panOk: boolean;
  readonly agentBank: string;
  readonly agentRegion: string;
}

export interface ReversalFact {
  readonly agentId: string;
  readonly seq: number;
  readonly reverses: string;
  readonly reversesSeq: number;
  readonly amount: number;
  readonly source: WithdrawalSource;
}

/** A reconciler resolved the exception of the withdrawal with this ref (recon/evidence.ts). */
export interface ResolutionFact {
  readonly ref: string;
  readonly reason: ResolutionReason;
}

export interface PositionFacts {
  readonly tahap: string;
  readonly kpmId: string;
  readonly rows: readonly RowFact[];
  readonly withdrawals: readonly WithdrawalFact[];
  readonly reversals: readonly ReversalFact[];
  readonly resolutions: readonly ResolutionFact[];
}

export interface ClassifiedWithdrawal {
  readonly agentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly source: WithdrawalSource;
  /** Unique among the KPM's withdrawals (recon/evidence.ts withdrawalRef). */
  readonly ref: string;
  readonly amount: number;
  /** The terminal's local date of the transaction, MMDD (ISO 8583 field 13). */
  readonly localDate: string;
  readonly category: WithdrawalCategory;
  readonly settlement: SettlementTreatment;
}

export interface Classification {
  readonly bank: string;
  readonly regionCode: string;
  readonly category: KpmCategory;
  readonly credited: number;
  readonly failed: number;
  readonly returned: number;
  readonly drawn: number;
  readonly withdrawn: number;
  readonly unclaimed: number;
  readonly overdrawnExcess: number;
  readonly withdrawals: readonly ClassifiedWithdrawal[];
  readonly reversalsUnmatched: number;
}

export interface ClassifyContext {
  /** Entries received after this are late (the tahap's closing time), undefined when open. */
  readonly closesAt: number | undefined;
}

/**
 * The KPM's place: its first row by bank/reference, else its first withdrawal by agent and seq.
 * A scan for the smallest, keeping the first of equals (what a stable sort's first would be),
 * because this runs for every KPM of every recompute.
 */
function placeOf(facts: PositionFacts): { bank: string; regionCode: string } {
  let row: RowFact | undefined;
  let rowKey = '';
  for (const r of facts.rows) {
    const key = r.bank + '/' + r.reference;
    if (row === undefined || key < rowKey) {
      row = r;
      rowKey = key;
    }
  }
  if (row !== undefined) return { bank: row.bank, regionCode: row.regionCode };
  let w: WithdrawalFact | undefined;
  for (const x of facts.withdrawals)
    if (w === undefined || x.agentId < w.agentId || (x.agentId === w.agentId && x.seq < w.seq)) w = x;
  if (w !== undefined) return { bank: w.agentBank, regionCode: w.agentRegion };
  return { bank: 'UNKNOWN', regionCode: 'UNKNOWN' };
}

function kpmCategory(credited: number, drawn: number): KpmCategory {
  if (credited === 0) return 'no_disbursement';
  if (drawn === 0) return 'unclaimed';
  if (drawn < credited) return 'partial';
  return drawn === credited ? 'matched' : 'overdrawn';
}

export function classifyPosition(facts: PositionFacts, ctx: ClassifyContext): Classification {
  let credited = 0;
  let failed = 0;
  let returned = 0;
  for (const row of facts.rows) {
    if (row.status === 'credited') credited += row.amount;
    else if (row.status === 'failed') failed += row.amount;
    else if (row.status === 'returned') returned += row.amount;
  }
  // Most KPMs have no entry at all: skip the sorting and sets.
  const { list, unmatched } =
    facts.withdrawals.length + facts.reversals.length === 0
      ? { list: [], unmatched: 0 }
      : classifyWithdrawals(facts, credited, ctx);
  let drawn = 0;
  for (const w of list) if (drawnCategories.has(w.category)) drawn += w.amount;
  const withdrawn = Math.min(drawn, credited);
  const place = placeOf(facts);
  return {
    bank: place.bank,
    regionCode: place.regionCode,
    category: kpmCategory(credited, drawn),
    credited,
    failed,
    returned,
    drawn,
    withdrawn,
    unclaimed: credited - withdrawn,
    overdrawnExcess: drawn - withdrawn,
    withdrawals: list,
    reversalsUnmatched: unmatched,
  };
}
