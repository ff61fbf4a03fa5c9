/**
 * Counters are flat maps of name -> integer so that a change to one KPM is applied as
 * "subtract its old contribution, add its new one" to its bucket (tahap, bank, region) and to
 * each agent's settlement, and so that two results compare key by key.
 */
import { kpmCategories, withdrawalCategories, type Classification } from './classify.ts';

export type Counters = Record<string, number>;

export function emptyTahapCounters(): Counters {
  const c: Counters = {
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
  };
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

/**
 * The same tahap counters as a fixed layout of numbers, for the full recompute: it accumulates
 * every KPM of a tahap into its bucket, and objects keyed by built strings cost an allocation
 * per KPM and ~1 KB per bucket. `addTahapContribution` adds exactly what `tahapContribution`
 * returns (a test holds them equal); doubles hold integers exactly up to 2^53 rupiah.
 */
export const tahapCounterNames: readonly string[] = Object.keys(emptyTahapCounters());
const slot = new Map(tahapCounterNames.map((name, i) => [name, i]));
function slotOf(name: string): number {
  const i = slot.get(name);
  if (i === undefined) throw new Error(`no tahap counter named ${name} (bug)`);
  return i;
}
const fixedSlots = {
  kpm: slotOf('kpm'),
  disbursed: slotOf('disbursed'),
  credited: slotOf('credited'),
  failed: slotOf('failed'),
  returned: slotOf('returned'),
  drawn: slotOf('drawn'),
  withdrawn: slotOf('withdrawn'),
  unclaimed: slotOf('unclaimed'),
  overdrawnExcess: slotOf('overdrawnExcess'),
  reversalsUnmatched: slotOf('reversalsUnmatched'),
};
const kpmSlots = new Map(
  kpmCategories.map((k) => [k, { count: slotOf(`kpm.${k}.count`), credited: slotOf(`kpm.${k}.credited`) }]),
);
const withdrawalSlots = new Map(
  withdrawalCategories.map((w) => [w, { count: slotOf(`w.${w}.count`), amount: slotOf(`w.${w}.amount`) }]),
);

export function addTahapContribution(into: Float64Array, offset: number, c: Classification): void {
  const s = fixedSlots;
  into[offset + s.kpm]! += 1;
  into[offset + s.disbursed]! += c.credited + c.failed + c.returned;
  into[offset + s.credited]! += c.credited;
  into[offset + s.failed]! += c.failed;
  into[offset + s.returned]! += c.returned;
  into[offset + s.drawn]! += c.drawn;
  into[offset + s.withdrawn]! += c.withdrawn;
  into[offset + s.unclaimed]! += c.unclaimed;
  into[offset + s.overdrawnExcess]! += c.overdrawnExcess;
  into[offset + s.reversalsUnmatched]! += c.reversalsUnmatched;
  const k = kpmSlots.get(c.category)!;
  into[offset + k.count]! += 1;
  into[offset + k.credited]! += c.credited;
  for (const w of c.withdrawals) {
    const ws = withdrawalSlots.get(w.category)!;
    into[offset + ws.count]! += 1;
    into[offset + ws.amount]! += w.amount;
  }
}

/** The counters at `offset` as the object `emptyTahapCounters` + `add` would have built. */
export function tahapCountersAt(from: Float64Array, offset: number): Counters {
  const out: Counters = {};
  for (let i = 0; i < tahapCounterNames.length; i++) out[tahapCounterNames[i]!] = from[offset + i]!;
  return out;
}
