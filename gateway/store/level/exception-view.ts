/**
 * An exception as staff see it: the category view that makes it an exception (recon/exceptions.ts
 * names it and its amount) joined with its workflow record (`exc!id`: state and history), which
 * outlives a category change so history is kept. Both the exception pages (queries.ts) and the
 * workflow (exceptions.ts) read it here.
 */
import { exceptionOf } from '../../recon/dossier.ts';
import type { ExceptionKind } from '../../recon/exceptions.ts';
import type { ExceptionEvent, ExceptionState, ExceptionView, PositionView, WithdrawalView } from '../types.ts';
import { getJson, type Db } from './db.ts';
import { k } from './keys.ts';

export interface ExceptionRecord {
  readonly id: string;
  readonly state: ExceptionState;
  readonly history: readonly ExceptionEvent[];
  /** Absent in records written before assignment existed, and when unassigned. */
  readonly assignee?: string | undefined;
  /** EpochMs the record was created (first assignment or transition); absent in older records. */
  readonly openedAt?: number | undefined;
}

/** When an exception was opened: its openedAt, else (older records) its first history event's time. */
export function openedAtOf(record: ExceptionRecord | undefined): number | undefined {
  return record?.openedAt ?? record?.history[0]?.at;
}

export async function exceptionView(
  db: Db,
  tahap: string,
  kind: ExceptionKind,
  v: PositionView | WithdrawalView,
): Promise<ExceptionView> {
  return exceptionOf(tahap, kind, v, (id) => getJson<ExceptionRecord>(db, k.exception(id)));
}
