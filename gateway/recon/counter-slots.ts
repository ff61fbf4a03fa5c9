/**
 * Tahap counters as a fixed layout of numbers, for the full recompute: it accumulates every KPM
 * of a tahap into its bucket, and a nested object per bucket costs allocations per KPM and
 * ~1 KB per bucket. The layout is derived from the typed shape (the order of `tahapEntries`),
 * `addTahapContribution` adds exactly what `tahapContribution` returns and `tahapCountersAt`
 * reads the typed record back (a test holds the two ways equal); doubles hold integers exactly
 * up to 2^53 rupiah.
 */
import { kpmCategories, withdrawalCategories, type Classification } from './classify.ts';
import type { KpmCategory, WithdrawalCategory } from './classify.ts';
import { emptyTahapCounters, tahapEntries, tahapScalarFields, type TahapCounters } from './counters.ts';

/** Readable path of each slot, in slot order. */
export const tahapCounterPaths: readonly string[] = tahapEntries(emptyTahapCounters()).map(([path]) => path);
export const tahapSlotCount = tahapCounterPaths.length;

const slotByPath = new Map(tahapCounterPaths.map((path, i) => [path, i]));
function slotOf(path: string): number {
  const i = slotByPath.get(path);
  if (i === undefined) throw new Error(`no tahap counter at ${path} (bug)`);
  return i;
}
const scalar = Object.fromEntries(tahapScalarFields.map((f) => [f, slotOf(f)])) as Record<
  (typeof tahapScalarFields)[number],
  number
>;
const kpmSlots = new Map<KpmCategory, { count: number; credited: number }>(
  kpmCategories.map((k) => [k, { count: slotOf(`kpm.${k}.count`), credited: slotOf(`kpm.${k}.credited`) }]),
);
const withdrawalSlots = new Map<WithdrawalCategory, { count: number; amount: number }>(
  withdrawalCategories.map((w) => [w, { count: slotOf(`w.${w}.count`), amount: slotOf(`w.${w}.amount`) }]),
);

export function addTahapContribution(into: Float64Array, offset: number, c: Classification): void {
  into[offset + scalar.kpm]! += 1;
  into[offset + scalar.disbursed]! += c.credited + c.failed + c.returned;
  into[offset + scalar.credited]! += c.credited;
  into[offset + scalar.failed]! += c.failed;
  into[offset + scalar.returned]! += c.returned;
  into[offset + scalar.drawn]! += c.drawn;
  into[offset + scalar.withdrawn]! += c.withdrawn;
  into[offset + scalar.unclaimed]! += c.unclaimed;
  into[offset + scalar.overdrawnExcess]! += c.overdrawnExcess;
  into[offset + scalar.reversalsUnmatched]! += c.reversalsUnmatched;
  const k = kpmSlots.get(c.category)!;
  into[offset + k.count]! += 1;
  into[offset + k.credited]! += c.credited;
  for (const w of c.withdrawals) {
    const ws = withdrawalSlots.get(w.category)!;
    into[offset + ws.count]! += 1;
    into[offset + ws.amount]! += w.amount;
  }
}

/** The counters at `offset` as the typed record `emptyTahapCounters` + `addTahapCounters` would build. */
export function tahapCountersAt(from: Float64Array, offset: number): TahapCounters {
  const out = emptyTahapCounters();
  for (const f of tahapScalarFields) out[f] = from[offset + scalar[f]]!;
  for (const [k, s] of kpmSlots)
    out.kpmByCategory[k] = { count: from[offset + s.count]!, credited: from[offset + s.credited]! };
  for (const [w, s] of withdrawalSlots)
    out.withdrawalsByCategory[w] = { count: from[offset + s.count]!, amount: from[offset + s.amount]! };
  return out;
}
