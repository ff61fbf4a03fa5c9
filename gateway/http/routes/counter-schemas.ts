/**
 * Response schemas of the reconciliation counters (recon/counters.ts): explicit, strict objects,
 * so /docs lists every field and a response of another shape fails loudly instead of reaching staff.
 */
import { z } from 'zod';
import { kpmCategories, withdrawalCategories } from '../../recon/classify.ts';

const Count = z.number().int().min(0);
/** Rupiah; a delta never reaches a response, but a damaged record must still be shown as it is. */
const Rupiah = z.number().int();

function byCategory<K extends string, S extends z.ZodType>(names: readonly K[], item: S) {
  return z.strictObject(Object.fromEntries(names.map((name) => [name, item])) as Record<K, S>);
}

const WithdrawalTallies = byCategory(withdrawalCategories, z.strictObject({ count: Count, amount: Rupiah }));

export const TahapCounters = z.strictObject({
  kpm: Count,
  disbursed: Rupiah,
  credited: Rupiah,
  failed: Rupiah,
  returned: Rupiah,
  drawn: Rupiah,
  withdrawn: Rupiah,
  unclaimed: Rupiah,
  overdrawnExcess: Rupiah,
  reversalsUnmatched: Count,
  kpmByCategory: byCategory(kpmCategories, z.strictObject({ count: Count, credited: Rupiah })),
  withdrawalsByCategory: WithdrawalTallies,
});

export const SettlementCounters = z.strictObject({
  claimed: Rupiah,
  payable: Rupiah,
  disputed: Rupiah,
  refused: Rupiah,
  withdrawalsByCategory: WithdrawalTallies,
});
