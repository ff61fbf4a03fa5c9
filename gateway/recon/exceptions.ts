/**
 * Which categories are exceptions staff must work, how an exception is named, and the amount it
 * is about: store-independent, so every store lists the same exceptions under the same ids.
 */
import type { KpmCategory, WithdrawalCategory } from './classify.ts';
import type { PositionView, WithdrawalView } from './views.ts';

export const kpmExceptionKinds = [
  'overdrawn',
  'unclaimed',
  'no_disbursement',
] as const satisfies readonly KpmCategory[];
export const withdrawalExceptionKinds = [
  'unknown_card',
  'duplicate',
  'fault',
  'late',
] as const satisfies readonly WithdrawalCategory[];

export type ExceptionKind = KpmCategory | WithdrawalCategory;

export function kpmExceptionId(tahap: string, kpmId: string): string {
  return `K:${tahap}:${kpmId}`;
}

export function withdrawalExceptionId(tahap: string, w: { agentId: string; seq: number; hash: string }): string {
  return `W:${tahap}:${w.agentId}:${w.seq}:${w.hash}`;
}

/** The id of the exception a view stands for. */
export function exceptionIdOf(tahap: string, v: PositionView | WithdrawalView): string {
  return 'seq' in v ? withdrawalExceptionId(tahap, v) : kpmExceptionId(tahap, v.kpmId);
}

/**
 * The rupiah an exception is about: a withdrawal's amount; for a KPM, the excess drawn
 * (overdrawn), the credit never drawn (unclaimed) or the failed and returned sums (no_disbursement).
 */
export function exceptionAmount(kind: ExceptionKind, v: PositionView | WithdrawalView): number {
  if ('seq' in v) return v.amount;
  if (kind === 'overdrawn') return v.overdrawnExcess;
  if (kind === 'unclaimed') return v.unclaimed;
  return v.failed + v.returned;
}
