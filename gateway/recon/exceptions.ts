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

/**
 * Ageing buckets of an exception by the time since it was opened (its record's openedAt, or its
 * first history event for records written before openedAt existed): under 1 day, 1 to 7 days,
 * 7 to 30 days, over 30 days; `unworked` when nobody has opened it yet (no workflow record).
 */
export const exceptionAgeBuckets = ['unworked', 'lt1d', 'd1to7', 'd7to30', 'gt30d'] as const;
export type ExceptionAgeBucket = (typeof exceptionAgeBuckets)[number];

const dayMs = 86_400_000;

export function exceptionAgeBucket(openedAt: number | undefined, now: number): ExceptionAgeBucket {
  if (openedAt === undefined) return 'unworked';
  const ageMs = now - openedAt;
  if (ageMs < dayMs) return 'lt1d';
  if (ageMs < 7 * dayMs) return 'd1to7';
  if (ageMs < 30 * dayMs) return 'd7to30';
  return 'gt30d';
}
