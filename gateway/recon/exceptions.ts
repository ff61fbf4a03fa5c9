/**
 * Which categories are exceptions staff must work, how an exception is named, and the amount it
 * is about: store-independent, so every store lists the same exceptions under the same ids.
 */
import { withdrawalCategories, type KpmCategory, type WithdrawalCategory } from './categories.ts';
import type { PositionView, WithdrawalView } from './views.ts';

export { resolutionReasons, type ResolutionReason } from './categories.ts';

export const kpmExceptionKinds = [
  'overdrawn',
  'unclaimed',
  'no_disbursement',
] as const satisfies readonly KpmCategory[];

/** Every withdrawal category but ok and reversed. */
export const withdrawalExceptionKinds = withdrawalCategories.filter(
  (c): c is Exclude<WithdrawalCategory, 'ok' | 'reversed'> => c !== 'ok' && c !== 'reversed',
);

export type ExceptionKind = KpmCategory | WithdrawalCategory;

export function kpmExceptionId(tahap: string, kpmId: string): string {
  return `K:${tahap}:${kpmId}`;
}

/**
 * W:{tahap}:{ref}: a chain entry W:{tahap}:{agentId}:{seq}:{hash}, evidence
 * W:{tahap}:{agentId}:{seq}:{kind}:{evidenceHash}.
 */
export function withdrawalExceptionId(tahap: string, w: { readonly ref: string }): string {
  return `W:${tahap}:${w.ref}`;
}

/** The parts of an exception id; undefined when it is not one. */
export function parseExceptionId(
  id: string,
):
  | { readonly type: 'K'; readonly tahap: string; readonly kpmId: string }
  | { readonly type: 'W'; readonly tahap: string; readonly agentId: string; readonly seq: number; readonly ref: string }
  | undefined {
  const parts = id.split(':');
  const [type, tahap = ''] = parts;
  if (type === 'K' && parts.length === 3) return { type, tahap, kpmId: parts[2] ?? '' };
  if (type === 'W' && (parts.length === 5 || parts.length === 6)) {
    const seq = Number(parts[3]);
    if (!Number.isSafeInteger(seq)) return undefined;
    return { type, tahap, agentId: parts[2] ?? '', seq, ref: parts.slice(2).join(':') };
  }
  return undefined;
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
