/**
 * Reconciliation categories, as pure functions of one KPM's facts in one tahap. The continuous
 * path (every upload and import) and the full recompute both call `classifyPosition`, so they
 * can only disagree if their facts differ, which is exactly what `reconcile` looks for.
 *
 * Per KPM (exactly one):
 *   no_disbursement  credited = 0 (rows all failed/returned, or no row at all: gagal transfer)
 *   unclaimed        credited > 0, drawn = 0 (dana tidak tersalur)
 *   partial          0 < drawn < credited
 *   matched          drawn = credited
 *   overdrawn        drawn > credited
 * Per withdrawal (exactly one, first rule that applies):
 *   fault        kept as evidence of a fork or tampered upload, never accepted into the chain
 *   duplicate    same kpmId+terminalId+stan+localDate as an earlier accepted withdrawal
 *                (earlier = smaller receivedAt, then agentId, then seq) under a different id
 *   reversed     an accepted reversal from the same agent names it (id, seq, amount)
 *   unknown_card the KPM has no credited row in the tahap, or the entry's panHash is not
 *                HMAC(agent lookupKey, PAN) of any credited row of that KPM
 *   late         authorized after its entitlement set expired (or under a set this gateway never
 *                issued to that agent), or received after the tahap's closing time
 *   ok           everything else
 * drawn = sum of ok + late amounts. Balancing identity, per KPM and so per tahap:
 *   disbursed (all rows) = withdrawn + unclaimed + failed + returned
 *   where withdrawn = min(drawn, credited) and unclaimed = credited - withdrawn;
 *   overdrawnExcess = drawn - withdrawn is cash paid beyond the credit, reported beside it.
 */

export const kpmCategories = ['matched', 'partial', 'unclaimed', 'overdrawn', 'no_disbursement'] as const;
export type KpmCategory = (typeof kpmCategories)[number];
export const withdrawalCategories = ['ok', 'late', 'unknown_card', 'duplicate', 'reversed', 'fault'] as const;
export type WithdrawalCategory = (typeof withdrawalCategories)[number];

export interface RowFact {
  readonly bank: string;
  readonly reference: string;
  readonly regionCode: string;
  readonly amount: number;
  readonly status: 'credited' | 'failed' | 'returned';
}

export interface WithdrawalFact {
  readonly agentId: string;
  /** seq in the agent's chain; for evidence, the seq the entry claimed. */
  readonly seq: number;
  readonly id: string;
  readonly hash: string;
  readonly amount: number;
  readonly dupKey: string;
  readonly receivedAt: number;
  readonly at: number;
  /** expiresAt of the entitlement set it names, undefined when that set was not issued to this agent. */
  readonly setExpiresAt: number | undefined;
  /** entry panHash equals HMAC(agent lookupKey, PAN) of a credited row of this KPM. */
  readonly panOk: boolean;
  readonly fault: boolean;
  readonly agentBank: string;
  readonly agentRegion: string;
}

export interface ReversalFact {
  readonly agentId: string;
  readonly seq: number;
  readonly reverses: string;
  readonly reversesSeq: number;
  readonly amount: number;
  readonly fault: boolean;
}

export interface PositionFacts {
  readonly tahap: string;
  readonly kpmId: string;
  readonly rows: readonly RowFact[];
  readonly withdrawals: readonly WithdrawalFact[];
  readonly reversals: readonly ReversalFact[];
}

export interface ClassifiedWithdrawal {
  readonly agentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly fault: boolean;
  readonly amount: number;
  readonly category: WithdrawalCategory;
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

function compareWithdrawals(a: WithdrawalFact, b: WithdrawalFact): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt - b.receivedAt;
  if (a.agentId !== b.agentId) return a.agentId < b.agentId ? -1 : 1;
  return a.seq - b.seq;
}

function reversedKeys(facts: PositionFacts): { matched: Set<string>; unmatched: number } {
  const matched = new Set<string>();
  let unmatched = 0;
  for (const r of facts.reversals) {
    if (r.fault) continue;
    const target = facts.withdrawals.find(
      (w) =>
        !w.fault && w.agentId === r.agentId && w.seq === r.reversesSeq && w.id === r.reverses && w.amount === r.amount,
    );
    const key = `${r.agentId}/${r.reversesSeq}`;
    if (target === undefined || matched.has(key)) unmatched += 1;
    else matched.add(key);
  }
  return { matched, unmatched };
}

function withdrawalCategory(w: WithdrawalFact, credited: number, ctx: ClassifyContext): WithdrawalCategory {
  if (credited === 0 || !w.panOk) return 'unknown_card';
  const expired = w.setExpiresAt === undefined || w.at > w.setExpiresAt;
  const afterClose = ctx.closesAt !== undefined && w.receivedAt > ctx.closesAt;
  return expired || afterClose ? 'late' : 'ok';
}

function classifyWithdrawals(
  facts: PositionFacts,
  credited: number,
  ctx: ClassifyContext,
): { list: ClassifiedWithdrawal[]; unmatched: number } {
  const { matched, unmatched } = reversedKeys(facts);
  const seenDupKeys = new Map<string, string>();
  const list: ClassifiedWithdrawal[] = [];
  for (const w of [...facts.withdrawals].sort(compareWithdrawals)) {
    let category: WithdrawalCategory;
    if (w.fault) category = 'fault';
    else {
      const first = seenDupKeys.get(w.dupKey);
      if (first !== undefined && first !== w.id) category = 'duplicate';
      else {
        if (first === undefined) seenDupKeys.set(w.dupKey, w.id);
        category = matched.has(`${w.agentId}/${w.seq}`) ? 'reversed' : withdrawalCategory(w, credited, ctx);
      }
    }
    list.push({ agentId: w.agentId, seq: w.seq, hash: w.hash, fault: w.fault, amount: w.amount, category });
  }
  return { list, unmatched };
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
    else returned += row.amount;
  }
  // Most KPMs have no entry at all: skip the sorting and sets.
  const { list, unmatched } =
    facts.withdrawals.length + facts.reversals.length === 0
      ? { list: [], unmatched: 0 }
      : classifyWithdrawals(facts, credited, ctx);
  let drawn = 0;
  for (const w of list) if (w.category === 'ok' || w.category === 'late') drawn += w.amount;
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
