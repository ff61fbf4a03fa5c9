/**
 * Applying rows of a bank disbursement file. A row is identified by bank + tahap + kpmId +
 * reference: the same row again is a duplicate (nothing changes, so re-importing a file is a
 * no-op), the same identity with another amount or status is a conflict (reported, not
 * applied: a bank correcting a fact must be handled by a person, not by overwriting history),
 * except a RETUR row of a failed one with its amount: the bank returning that failed credit
 * (failed-credits.ts applyBankReturnIntoTx; counted once, as returned).
 * Personal data is sealed to the gateway before it is written; look-ups use keyed hashes.
 */
import type { DisbursementRow } from '../../import/types.ts';
import type { Sealer } from '../../crypto/fast-seal.ts';
import type { KeyedHasher } from '../../crypto/keyed-hash.ts';
import type { DisbursementOutcome, ImportedFile } from '../types.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import type { RawRow } from '../../recon/facts.ts';
import { updatePosition } from './position.ts';
import type { FailedCreditSettlement } from '../api/failed-credits.ts';
import { applyBankReturnIntoTx } from './failed-credits.ts';

export const conflictsListedMax = 1000;

export interface RowRecord {
  readonly line: number;
  readonly amount: number;
  readonly status: DisbursementRow['status'];
  readonly regionCode: string;
  readonly fileSha256: string;
  readonly sealed: string;
  readonly panHmac: string;
  readonly nikHmac: string;
  /** A failed row's settlement by a reconciler (failed-credits.ts); absent while it is only failed. */
  readonly settlement?: FailedCreditSettlement;
  /** On a credit made by re-disbursement: the reference of the failed row it replaces. */
  readonly redisburses?: string;
}

/** The status a row counts under: the bank's, unless a reconciler settled a failed row. */
export function effectiveStatus(record: RowRecord): RawRow['status'] {
  const state = record.settlement?.state;
  if (state === 'returned') return 'returned';
  if (state === 'redisbursed') return 'redisbursed';
  return record.status;
}

export interface SealContext {
  readonly sealer: Sealer;
  /** HMAC under the gateway's lookupKey. */
  readonly hasher: KeyedHasher;
}

interface Tally {
  accepted: number;
  duplicates: number;
  conflicts: number;
  conflictList: { line: number; kpmId: string; reference: string; reason: string }[];
}

function conflictReason(old: RowRecord, row: DisbursementRow): string | undefined {
  if (old.amount !== row.amount) return `amount: imported ${old.amount}, found ${row.amount}`;
  if (old.status !== row.status) return `status: imported ${old.status}, found ${row.status}`;
  return undefined;
}

function noteConflict(tally: Tally, row: DisbursementRow, reason: string): void {
  tally.conflicts += 1;
  if (tally.conflictList.length < conflictsListedMax)
    tally.conflictList.push({ line: row.line, kpmId: row.kpmId, reference: row.reference, reason });
}

async function applyRow(
  tx: Tx,
  env: ReconEnv,
  seal: SealContext,
  row: DisbursementRow,
  source: { readonly fileSha256: string; readonly now: number },
  tally: Tally,
): Promise<void> {
  const { fileSha256 } = source;
  const rowKey = k.row(row.tahap, row.kpmId, row.bank, row.reference);
  const old = await tx.get<RowRecord>(rowKey);
  if (old !== undefined) {
    if (old.status === 'failed' && row.status === 'returned' && old.amount === row.amount) {
      const id = { tahap: row.tahap, kpmId: row.kpmId, bank: row.bank, reference: row.reference };
      const outcome = await applyBankReturnIntoTx(tx, env, id, old, { ...source, line: row.line });
      if (outcome.kind !== 'conflict') {
        tally[outcome.kind === 'duplicate' ? 'duplicates' : 'accepted'] += 1;
        return;
      }
      noteConflict(tally, row, outcome.reason);
      return;
    }
    const reason = conflictReason(old, row);
    if (reason === undefined) tally.duplicates += 1;
    else noteConflict(tally, row, reason);
    return;
  }
  const panHmac = seal.hasher.hash(row.pan);
  const nikHmac = seal.hasher.hash(row.nik);
  const sealed = seal.sealer.seal(JSON.stringify({ pan: row.pan, nik: row.nik, name: row.name }));
  const record: RowRecord = {
    line: row.line,
    amount: row.amount,
    status: row.status,
    regionCode: row.regionCode,
    fileSha256,
    sealed,
    panHmac,
    nikHmac,
  };
  tx.put(rowKey, record);
  tx.put(k.kpm(row.kpmId), { sealed, panHmac, nikHmac, tahap: row.tahap });
  tx.put(k.panIndex(panHmac), row.kpmId);
  tx.put(k.nikIndex(nikHmac), row.kpmId);
  const stored: RawRow = {
    bank: row.bank,
    reference: row.reference,
    regionCode: row.regionCode,
    amount: row.amount,
    status: row.status,
    line: row.line,
    panSealed: sealed,
    panHmac,
    fileSha256,
  };
  await updatePosition(tx, env, row.tahap, row.kpmId, (facts) => {
    facts.rows.push(stored);
  });
  tally.accepted += 1;
}

export async function applyRowsIntoTx(
  tx: Tx,
  env: ReconEnv,
  seal: SealContext,
  rows: readonly DisbursementRow[],
  options: { readonly fileSha256: string; readonly now: number },
): Promise<DisbursementOutcome> {
  const tally: Tally = { accepted: 0, duplicates: 0, conflicts: 0, conflictList: [] };
  // One read for the whole chunk instead of one per row and record: the rows themselves (new or
  // duplicate), their positions and, for a new KPM, the counters of the row's own bucket.
  await tx.prefetch([
    ...rows.map((r) => k.row(r.tahap, r.kpmId, r.bank, r.reference)),
    ...rows.map((r) => k.position(r.tahap, r.kpmId)),
    ...rows.map((r) => k.counters(r.tahap, r.bank, r.regionCode)),
    k.file(options.fileSha256),
  ]);
  for (const row of rows) await applyRow(tx, env, seal, row, options, tally);
  const first = rows[0];
  if (first !== undefined && (await tx.get(k.file(options.fileSha256))) === undefined) {
    tx.put(k.file(options.fileSha256), {
      fileSha256: options.fileSha256,
      bank: first.bank,
      tahap: first.tahap,
      firstImportedAt: options.now,
    } satisfies ImportedFile);
  }
  return tally;
}
