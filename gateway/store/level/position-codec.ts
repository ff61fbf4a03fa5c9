/**
 * The stored form of a position (`pos!T!kpm`). A position is written for every KPM of a tahap
 * (10M of them) and read by every full recompute, so its bytes are most of what a recompute scans
 * beside the row records. Version 2 is a positional JSON array:
 *
 *   [2, rows, withdrawals?, reversals?, resolutions?]
 *   row: [bank, reference, regionCode, amount, status, line, panSealed, panHmac, fileSha256]
 *
 * The tahap and kpmId are not stored (the key holds them), field names are not repeated per row,
 * and trailing empty lists are left out: a rows-only KPM costs about 200 bytes less than the
 * version 1 form (the RawFacts object itself), which is still read, so stores written before
 * open unchanged and each position moves to version 2 when it is next written. Withdrawals,
 * reversals and resolutions keep their object form: few KPMs have them.
 * Every decoded value is checked for shape: a record that is neither form is EDC_ERR_STORE_CORRUPT.
 */
import { ERR_STORE_CORRUPT } from '../../errors.ts';
import type { ResolutionFact, ReversalFact } from '../../recon/classify.ts';
import type { RawFacts, RawRow, RawWithdrawal } from '../../recon/facts.ts';
import { sep } from './keys.ts';

export const positionFormatVersion = 2;

type EncodedRow = [string, string, string, number, RawRow['status'], number, string, string, string];

export type EncodedPosition =
  | [2, EncodedRow[]]
  | [2, EncodedRow[], RawWithdrawal[]]
  | [2, EncodedRow[], RawWithdrawal[], ReversalFact[]]
  | [2, EncodedRow[], RawWithdrawal[], ReversalFact[], ResolutionFact[]];

const rowStatuses: ReadonlySet<string> = new Set(['credited', 'failed', 'returned', 'redisbursed']);

function encodeRow(r: RawRow): EncodedRow {
  return [r.bank, r.reference, r.regionCode, r.amount, r.status, r.line, r.panSealed, r.panHmac, r.fileSha256];
}

/** The version 2 record of a position (what `Tx.put` stores as JSON). */
export function encodePosition(facts: RawFacts): EncodedPosition {
  const rows = facts.rows.map(encodeRow);
  const resolutions = facts.resolutions ?? [];
  if (resolutions.length > 0) return [2, rows, facts.withdrawals, facts.reversals, resolutions];
  if (facts.reversals.length > 0) return [2, rows, facts.withdrawals, facts.reversals];
  if (facts.withdrawals.length > 0) return [2, rows, facts.withdrawals];
  return [2, rows];
}

function corrupt(key: string, found: string): never {
  throw new ERR_STORE_CORRUPT(`Cannot read ${key}: expected a position record (version 1 or 2), found ${found}`, {
    key,
  });
}

function decodeRow(key: string, r: unknown): RawRow {
  if (!Array.isArray(r) || r.length !== 9) return corrupt(key, 'a row that is not a 9-field array');
  const [bank, reference, regionCode, amount, status, line, panSealed, panHmac, fileSha256] = r as unknown[];
  if (
    typeof bank !== 'string' ||
    typeof reference !== 'string' ||
    typeof regionCode !== 'string' ||
    !Number.isSafeInteger(amount) ||
    typeof status !== 'string' ||
    !rowStatuses.has(status) ||
    !Number.isSafeInteger(line) ||
    typeof panSealed !== 'string' ||
    typeof panHmac !== 'string' ||
    typeof fileSha256 !== 'string'
  )
    return corrupt(key, 'a row field of the wrong type');
  return {
    bank,
    reference,
    regionCode,
    amount: amount as number,
    status: status as RawRow['status'],
    line: line as number,
    panSealed,
    panHmac,
    fileSha256,
  };
}

function listAt<T>(key: string, stored: unknown[], index: number): T[] {
  const list = stored[index];
  if (list === undefined) return [];
  if (!Array.isArray(list)) return corrupt(key, `a non-list at field ${index}`);
  return list as T[];
}

/** The tahap and kpmId a position key names (`pos!T!kpm`). */
function idsOf(key: string): { tahap: string; kpmId: string } {
  const first = key.indexOf(sep);
  const second = key.indexOf(sep, first + 1);
  if (first < 0 || second < 0) return corrupt(key, 'a key that is not pos!tahap!kpm');
  return { tahap: key.slice(first + 1, second), kpmId: key.slice(second + 1) };
}

function decodeV1(key: string, stored: Record<string, unknown>): RawFacts {
  const { rows, withdrawals, reversals, resolutions, tahap, kpmId } = stored;
  if (!Array.isArray(rows) || !Array.isArray(withdrawals) || !Array.isArray(reversals))
    return corrupt(key, 'an object without rows, withdrawals and reversals');
  if (typeof tahap !== 'string' || typeof kpmId !== 'string') return corrupt(key, 'an object without tahap and kpmId');
  if (resolutions !== undefined && !Array.isArray(resolutions)) return corrupt(key, 'resolutions that are not a list');
  return {
    tahap,
    kpmId,
    rows: rows as RawRow[],
    withdrawals: withdrawals as RawWithdrawal[],
    reversals: reversals as ReversalFact[],
    resolutions: (resolutions ?? []) as ResolutionFact[],
  };
}

/** The raw facts of the position stored under `key`, from a parsed record of either version. */
export function decodePosition(key: string, stored: unknown): RawFacts {
  if (!Array.isArray(stored)) {
    if (stored === null || typeof stored !== 'object') return corrupt(key, typeof stored);
    return decodeV1(key, stored as Record<string, unknown>);
  }
  if (stored[0] !== positionFormatVersion || stored.length < 2 || stored.length > 5)
    return corrupt(key, `an array of version ${String(stored[0])} and length ${stored.length}`);
  const { tahap, kpmId } = idsOf(key);
  return {
    tahap,
    kpmId,
    rows: listAt<unknown>(key, stored, 1).map((r) => decodeRow(key, r)),
    withdrawals: listAt<RawWithdrawal>(key, stored, 2),
    reversals: listAt<ReversalFact>(key, stored, 3),
    resolutions: listAt<ResolutionFact>(key, stored, 4),
  };
}
