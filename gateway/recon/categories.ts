/**
 * The reconciliation categories and what each one means for the money, as tables: which
 * withdrawals a KPM drew (cash that reached the KPM's own card and no other record counts), and
 * what the bank owes the agent for each (payable, held as disputed until a reconciler resolves
 * it, refused after a resolution, or no claim at all). Every store and both reconciliation paths
 * read these tables; gateway/README.md documents them.
 */

export const kpmCategories = ['matched', 'partial', 'unclaimed', 'overdrawn', 'no_disbursement'] as const;
export type KpmCategory = (typeof kpmCategories)[number];

/** In display order: what is owed first, then what is held, then what is no claim. */
export const withdrawalCategories = [
  'ok',
  'late',
  'clock',
  'unallocated',
  'over_limit',
  'over_entitlement',
  'fork',
  'unknown_card',
  'duplicate',
  'reversed',
  'fault',
] as const;
export type WithdrawalCategory = (typeof withdrawalCategories)[number];

/**
 * Withdrawals whose cash reached the KPM's own card (its panHash names a credited row of the KPM)
 * and that no other record already counts: they make up the KPM's `drawn`, whatever else is wrong
 * with them (broken limits, a cloned device, a clock set back). From the KPM's point of view only
 * the part its credit covers is `withdrawn`; the rest is `overdrawnExcess`.
 */
export const drawnCategories: ReadonlySet<WithdrawalCategory> = new Set([
  'ok',
  'late',
  'clock',
  'unallocated',
  'over_limit',
  'over_entitlement',
  'fork',
]);

/** Owed to the agent without a person looking: the set allowed it (late: only reported after the close). */
export const payableCategories: ReadonlySet<WithdrawalCategory> = new Set(['ok', 'late']);

/** No claim at all: undone by a reversal, or a record that does not verify (its claim is not the agent's). */
export const noClaimCategories: ReadonlySet<WithdrawalCategory> = new Set(['reversed', 'fault']);

export const resolutionReasons = ['returned_to_treasury', 'recovered_from_agent', 'confirmed', 'other'] as const;
export type ResolutionReason = (typeof resolutionReasons)[number];

/** What the bank owes the agent for one withdrawal. */
export type SettlementTreatment = 'payable' | 'disputed' | 'refused' | 'none';

/**
 * payable: ok and late, or any claim a reconciler resolved as `confirmed`; refused: any claim
 * resolved with another reason (recovered from the agent, returned, other: the bank pays only what
 * is confirmed); disputed: every other claim until it is resolved; none: reversed and fault.
 */
export function settlementTreatment(
  category: WithdrawalCategory,
  resolution: ResolutionReason | undefined,
): SettlementTreatment {
  if (noClaimCategories.has(category)) return 'none';
  if (resolution === 'confirmed') return 'payable';
  if (resolution !== undefined) return 'refused';
  return payableCategories.has(category) ? 'payable' : 'disputed';
}
