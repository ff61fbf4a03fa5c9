/**
 * Applying rows of a bank disbursement file. A row is identified by bank + tahap + kpmId +
 * reference: the same row again is a duplicate (nothing changes, so re-importing a file is a
 * no-op), the same identity with another amount or status is a conflict (reported, not
 * applied: a bank correcting a fact must be handled by a person, not by overwriting history).
 * Personal data is sealed to the gateway before it is written; look-ups use keyed hashes.
 *
 * The rules are in import-plan.ts (a pure planner); this module reads what a chunk touches in
 * one call and applies the plan into a transaction: LevelDB's one synced batch, or PostgreSQL's
 * transaction, whose store then writes the ops through COPY (store/pg/import.ts).
 */
import type { DisbursementRow } from '../../import/types.ts';
import type { DisbursementOutcome } from '../types.ts';
import type { Tx } from './db.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import type { RawFacts, RawRow } from '../../recon/facts.ts';
import { applyChanges } from './apply.ts';
import {
  importReads,
  planImport,
  type ImportExisting,
  type ImportPlan,
  type RowRecord,
  type SealContext,
} from './import-plan.ts';
import { k } from './keys.ts';
import { decodePosition } from './position-codec.ts';

export { conflictsListedMax, type RowRecord, type SealContext } from './import-plan.ts';

/** The status a row counts under: the bank's, unless a reconciler settled a failed row. */
export function effectiveStatus(record: RowRecord): RawRow['status'] {
  const state = record.settlement?.state;
  if (state === 'returned') return 'returned';
  if (state === 'redisbursed') return 'redisbursed';
  return record.status;
}

/** Reads the records a chunk's plan needs in one call (LevelDB getMany, PostgreSQL key = ANY). */
export async function readImportExisting(
  tx: Tx,
  rows: readonly DisbursementRow[],
  fileSha256: string,
): Promise<ImportExisting> {
  const keys = importReads(rows, fileSha256);
  const counterKeys = [...new Set(rows.map((r) => k.counters(r.tahap, r.bank, r.regionCode)))];
  // Counters are read here too (LevelDB adds deltas to the stored record; PostgreSQL skips them: sharded).
  await tx.prefetch([...keys.rows, ...keys.positions, keys.file, ...(tx.counterSink ? [] : counterKeys)]);
  const rowRecords = new Map<string, RowRecord | undefined>();
  for (const key of keys.rows) rowRecords.set(key, await tx.get<RowRecord>(key));
  const positions = new Map<string, RawFacts | undefined>();
  for (const key of keys.positions) {
    const stored = await tx.get<unknown>(key);
    positions.set(key, stored === undefined ? undefined : decodePosition(key, stored));
  }
  return { rows: rowRecords, positions, fileKnown: (await tx.get(keys.file)) !== undefined };
}

/** Puts a plan's records and applies its merged projections (counters once per bucket per chunk). */
export async function applyPlanIntoTx(tx: Tx, plan: ImportPlan): Promise<void> {
  for (const [key, value] of plan.puts) tx.put(key, value);
  for (const changes of plan.changes) await applyChanges(tx, changes);
}

export async function applyRowsIntoTx(
  tx: Tx,
  env: ReconEnv,
  seal: SealContext,
  rows: readonly DisbursementRow[],
  options: { readonly fileSha256: string; readonly now: number },
): Promise<DisbursementOutcome> {
  const existing = await readImportExisting(tx, rows, options.fileSha256);
  const plan = await planImport(rows, existing, env, seal, options);
  await applyPlanIntoTx(tx, plan);
  return plan.outcome;
}
