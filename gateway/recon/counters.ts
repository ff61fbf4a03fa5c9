/**
 * Reconciliation counters as typed records. A change to one KPM is applied as "subtract its old
 * contribution, add its new one" (recon/project.ts) to its bucket (tahap, bank, region) and to
 * each agent's settlement, so every operation here is a plain field-by-field sum. Two results
 * compare field by field; a difference is named by its readable path (`w.late.amount`,
 * `kpm.matched.count`), the same names the CSV report prints.
 */
import { kpmCategories, withdrawalCategories, type Classification } from './classify.ts';
import type { KpmCategory, WithdrawalCategory } from './classify.ts';

export interface KpmTally {
  count: number;
  credited: number;
}

export interface WithdrawalTally {
  count: number;
  amount: number;
}

export type WithdrawalTallies = Record<WithdrawalCategory, WithdrawalTally>;

/** One bucket's, or a whole tahap's, figures. Fields are mutable so sums need no copies. */
export interface TahapCounters {
  kpm: number;
  disbursed: number;
  credited: number;
  failed: number;
  returned: number;
  drawn: number;
  withdrawn: number;
  unclaimed: number;
  overdrawnExcess: number;
  reversalsUnmatched: number;
  kpmByCategory: Record<KpmCategory, KpmTally>;
  withdrawalsByCategory: WithdrawalTallies;
}

/**
 * What the bank owes one agent in one tahap: claimed = payable + disputed + refused, every
 * withdrawal the agent reports it paid except reversed and fault ones (categories.ts).
 */
export interface SettlementCounters {
  claimed: number;
  /** Owed: ok and late withdrawals, and held ones a reconciler resolved as confirmed. */
  payable: number;
  /** Held until a reconciler resolves them (every other exception category). */
  disputed: number;
  /** Resolved with a reason other than confirmed: the bank does not owe it. */
  refused: number;
  withdrawalsByCategory: WithdrawalTallies;
}

/** The scalar fields of TahapCounters, in their fixed order. */
export const tahapScalarFields = [
  'kpm',
  'disbursed',
  'credited',
  'failed',
  'returned',
  'drawn',
  'withdrawn',
  'unclaimed',
  'overdrawnExcess',
  'reversalsUnmatched',
] as const;
export const settlementScalarFields = ['claimed', 'payable', 'disputed', 'refused'] as const;

function emptyWithdrawalTallies(): WithdrawalTallies {
  const out = {} as WithdrawalTallies;
  for (const w of withdrawalCategories) out[w] = { count: 0, amount: 0 };
  return out;
}

export function emptyTahapCounters(): TahapCounters {
  const kpmByCategory = {} as Record<KpmCategory, KpmTally>;
  for (const k of kpmCategories) kpmByCategory[k] = { count: 0, credited: 0 };
  return {
    kpm: 0,
    disbursed: 0,
    credited: 0,
    failed: 0,
    returned: 0,
    drawn: 0,
    withdrawn: 0,
    unclaimed: 0,
    overdrawnExcess: 0,
    reversalsUnmatched: 0,
    kpmByCategory,
    withdrawalsByCategory: emptyWithdrawalTallies(),
  };
}

export function emptySettlementCounters(): SettlementCounters {
  return { claimed: 0, payable: 0, disputed: 0, refused: 0, withdrawalsByCategory: emptyWithdrawalTallies() };
}

function addWithdrawalTallies(into: WithdrawalTallies, from: WithdrawalTallies, sign: 1 | -1): void {
  for (const w of withdrawalCategories) {
    into[w].count += sign * from[w].count;
    into[w].amount += sign * from[w].amount;
  }
}

/** into += sign * from, field by field. */
export function addTahapCounters(into: TahapCounters, from: TahapCounters, sign: 1 | -1 = 1): void {
  for (const f of tahapScalarFields) into[f] += sign * from[f];
  for (const k of kpmCategories) {
    into.kpmByCategory[k].count += sign * from.kpmByCategory[k].count;
    into.kpmByCategory[k].credited += sign * from.kpmByCategory[k].credited;
  }
  addWithdrawalTallies(into.withdrawalsByCategory, from.withdrawalsByCategory, sign);
}

/** into += sign * from, field by field. */
export function addSettlementCounters(into: SettlementCounters, from: SettlementCounters, sign: 1 | -1 = 1): void {
  for (const f of settlementScalarFields) into[f] += sign * from[f];
  addWithdrawalTallies(into.withdrawalsByCategory, from.withdrawalsByCategory, sign);
}

/** Every field of a TahapCounters as [readable path, value], in one fixed order. */
export function tahapEntries(c: TahapCounters): [string, number][] {
  const out: [string, number][] = tahapScalarFields.map((f) => [f, c[f]]);
  for (const k of kpmCategories) {
    out.push([`kpm.${k}.count`, c.kpmByCategory[k].count], [`kpm.${k}.credited`, c.kpmByCategory[k].credited]);
  }
  for (const w of withdrawalCategories) {
    const t = c.withdrawalsByCategory[w];
    out.push([`w.${w}.count`, t.count], [`w.${w}.amount`, t.amount]);
  }
  return out;
}

/** Every field of a SettlementCounters as [readable path, value], in one fixed order. */
export function settlementEntries(c: SettlementCounters): [string, number][] {
  const out: [string, number][] = settlementScalarFields.map((f) => [f, c[f]]);
  for (const w of withdrawalCategories) {
    const t = c.withdrawalsByCategory[w];
    out.push([`w.${w}.count`, t.count], [`w.${w}.amount`, t.amount]);
  }
  return out;
}

function differingPaths(a: [string, number][], b: [string, number][]): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) if (a[i]![1] !== b[i]![1]) out.push(a[i]![0]);
  return out.sort();
}

/** Paths whose values differ, sorted; empty when equal. */
export function tahapDifferences(a: TahapCounters, b: TahapCounters): string[] {
  return differingPaths(tahapEntries(a), tahapEntries(b));
}

/** Paths whose values differ, sorted; empty when equal. */
export function settlementDifferences(a: SettlementCounters, b: SettlementCounters): string[] {
  return differingPaths(settlementEntries(a), settlementEntries(b));
}

function isZeroWithdrawalTallies(t: WithdrawalTallies): boolean {
  for (const w of withdrawalCategories) if (t[w].count !== 0 || t[w].amount !== 0) return false;
  return true;
}

/** Field by field without allocating: every change asks it of every delta and stored record. */
export function isZeroTahap(c: TahapCounters): boolean {
  for (const f of tahapScalarFields) if (c[f] !== 0) return false;
  for (const k of kpmCategories) if (c.kpmByCategory[k].count !== 0 || c.kpmByCategory[k].credited !== 0) return false;
  return isZeroWithdrawalTallies(c.withdrawalsByCategory);
}

export function isZeroSettlement(c: SettlementCounters): boolean {
  for (const f of settlementScalarFields) if (c[f] !== 0) return false;
  return isZeroWithdrawalTallies(c.withdrawalsByCategory);
}

/** The balancing identity: disbursed = withdrawn + unclaimed + failed + returned, to the rupiah. */
export function isBalanced(c: TahapCounters): boolean {
  return c.disbursed === c.withdrawn + c.unclaimed + c.failed + c.returned;
}

/** What one KPM adds to its bucket's counters. */
export function tahapContribution(c: Classification): TahapCounters {
  const out = emptyTahapCounters();
  out.kpm = 1;
  out.disbursed = c.credited + c.failed + c.returned;
  out.credited = c.credited;
  out.failed = c.failed;
  out.returned = c.returned;
  out.drawn = c.drawn;
  out.withdrawn = c.withdrawn;
  out.unclaimed = c.unclaimed;
  out.overdrawnExcess = c.overdrawnExcess;
  out.reversalsUnmatched = c.reversalsUnmatched;
  out.kpmByCategory[c.category] = { count: 1, credited: c.credited };
  for (const w of c.withdrawals) {
    out.withdrawalsByCategory[w.category].count += 1;
    out.withdrawalsByCategory[w.category].amount += w.amount;
  }
  return out;
}

/**
 * What one KPM adds to each agent's settlement: each withdrawal's amount goes where its
 * settlement treatment says (categories.ts settlementTreatment: payable, disputed, refused),
 * and into claimed unless it is no claim (reversed, fault).
 */
export function settlementContributions(c: Classification): Map<string, SettlementCounters> {
  const out = new Map<string, SettlementCounters>();
  for (const w of c.withdrawals) {
    let s = out.get(w.agentId);
    if (s === undefined) {
      s = emptySettlementCounters();
      out.set(w.agentId, s);
    }
    s.withdrawalsByCategory[w.category].count += 1;
    s.withdrawalsByCategory[w.category].amount += w.amount;
    if (w.settlement === 'none') continue;
    s[w.settlement] += w.amount;
    s.claimed += w.amount;
  }
  return out;
}

/**
 * Withdrawals per local date: what the agents claim (every withdrawal but reversed and fault ones,
 * the same ones settlement `claimed` sums) by the local date the terminal stamped (ISO 8583 field
 * 13, MMDD), per tahap and bank. The date is MMDD, so a bank has at most `withdrawalDaysPerBankMax`
 * day records per tahap whatever the terminals' clocks say; a tahap's ~92 days fill about a quarter.
 */
export interface DayCounters {
  count: number;
  amount: number;
}

/** Distinct MMDD values: the bound on a bank's day records in one tahap. */
export const withdrawalDaysPerBankMax = 366;

export const emptyDayCounters = (): DayCounters => ({ count: 0, amount: 0 });

/** into += sign * from. */
export function addDayCounters(into: DayCounters, from: DayCounters, sign: 1 | -1 = 1): void {
  into.count += sign * from.count;
  into.amount += sign * from.amount;
}

export const isZeroDay = (c: DayCounters): boolean => c.count === 0 && c.amount === 0;

/** Paths whose values differ (`count`, `amount`); empty when equal. */
export function dayDifferences(a: DayCounters, b: DayCounters): string[] {
  const out: string[] = [];
  if (a.amount !== b.amount) out.push('amount');
  if (a.count !== b.count) out.push('count');
  return out;
}

/** What one KPM adds to each local date (MMDD) of its bank: its claimed withdrawals. */
export function dayContributions(c: Classification): Map<string, DayCounters> {
  const out = new Map<string, DayCounters>();
  for (const w of c.withdrawals) {
    if (w.settlement === 'none') continue;
    let d = out.get(w.localDate);
    if (d === undefined) out.set(w.localDate, (d = emptyDayCounters()));
    d.count += 1;
    d.amount += w.amount;
  }
  return out;
}
