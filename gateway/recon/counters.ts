/**
 * Counters are flat maps of name -> integer so that a change to one KPM is applied as
 * "subtract its old contribution, add its new one" to its bucket (tahap, bank, region) and to
 * each agent's settlement, and so that two results compare key by key.
 */
import { kpmCategories, withdrawalCategories, type Classification } from './classify.ts';

export type Counters = Record<string, number>;

export function emptyTahapCounters(): Counters {
  const c: Counters = { kpm: 0, disbursed: 0, credited: 0, failed: 0, returned: 0, drawn: 0, withdrawn: 0, unclaimed: 0, overdrawnExcess: 0, reversalsUnmatched: 0 };
  for (const k of kpmCategories) {
    c[`kpm.${k}.count`] = 0;
    c[`kpm.${k}.credited`] = 0;
  }
  for (const w of withdrawalCategories) {
    c[`w.${w}.count`] = 0;
    c[`w.${w}.amount`] = 0;
  }
  return c;
}

export function emptySettlement(): Counters {
  const c: Counters = { claimed: 0, payable: 0, disputed: 0 };
  for (const w of withdrawalCategories) {
    c[`w.${w}.count`] = 0;
    c[`w.${w}.amount`] = 0;
  }
  return c;
}

export function add(into: Counters, from: Counters, sign: 1 | -1 = 1): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + sign * v;
}

export function bucketOf(c: Classification): string {
  return `${c.bank}/${c.regionCode}`;
}

/** What one KPM adds to its bucket's counters. */
export function tahapContribution(c: Classification): Counters {
  const out: Counters = {
    kpm: 1,
    disbursed: c.credited + c.failed + c.returned,
    credited: c.credited,
    failed: c.failed,
    returned: c.returned,
    drawn: c.drawn,
    withdrawn: c.withdrawn,
    unclaimed: c.unclaimed,
    overdrawnExcess: c.overdrawnExcess,
    reversalsUnmatched: c.reversalsUnmatched,
    [`kpm.${c.category}.count`]: 1,
    [`kpm.${c.category}.credited`]: c.credited,
  };
  for (const w of c.withdrawals) {
    out[`w.${w.category}.count`] = (out[`w.${w.category}.count`] ?? 0) + 1;
    out[`w.${w.category}.amount`] = (out[`w.${w.category}.amount`] ?? 0) + w.amount;
  }
  return out;
}

/**
 * What one KPM adds to each agent's settlement: claimed = payable (ok, late: cash the bank
 * debits to the KPM and owes the agent) + disputed (unknown_card, duplicate: cash the agent says
 * it paid that no credited KPM account covers). reversed and fault are not claims.
 */
export function settlementContributions(c: Classification): Map<string, Counters> {
  const out = new Map<string, Counters>();
  for (const w of c.withdrawals) {
    let s = out.get(w.agentId);
    if (s === undefined) {
      s = {};
      out.set(w.agentId, s);
    }
    s[`w.${w.category}.count`] = (s[`w.${w.category}.count`] ?? 0) + 1;
    s[`w.${w.category}.amount`] = (s[`w.${w.category}.amount`] ?? 0) + w.amount;
    if (w.category === 'ok' || w.category === 'late') s.payable = (s.payable ?? 0) + w.amount;
    if (w.category === 'unknown_card' || w.category === 'duplicate') s.disputed = (s.disputed ?? 0) + w.amount;
    if (w.category !== 'reversed' && w.category !== 'fault') s.claimed = (s.claimed ?? 0) + w.amount;
  }
  return out;
}

/** Keys whose values differ (missing counts as 0); empty when equal. */
export function differences(a: Counters, b: Counters): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => (a[k] ?? 0) !== (b[k] ?? 0)).sort();
}

export function isZero(c: Counters): boolean {
  return Object.values(c).every((v) => v === 0);
}
