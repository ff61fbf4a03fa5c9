/**
 * A KPM's record in one tahap as the complaint look-up shows it (store/api/kpm.ts), built from
 * its raw facts and their classification alone, so every store answers the same record: bank
 * rows without their sealed data, withdrawals with their evidence fields and category, reversals,
 * and the exceptions the classification makes (state and history from the store's workflow record).
 */
import type { ExceptionEvent, ExceptionState, ExceptionView } from '../store/api/exceptions.ts';
import type { KpmRowRecord, KpmTahapRecord, KpmWithdrawalRecord } from '../store/api/kpm.ts';
import type { Classification } from './classify.ts';
import { withdrawalRef } from './evidence.ts';
import {
  exceptionAmount,
  exceptionIdOf,
  kpmExceptionKinds,
  withdrawalExceptionKinds,
  type ExceptionKind,
} from './exceptions.ts';
import type { RawFacts } from './facts.ts';
import { positionView, withdrawalViews, type PositionView, type WithdrawalView } from './views.ts';

/** An exception's workflow record as a store keeps it; undefined: never moved (open, no history). */
export type ExceptionRecordReader = (id: string) => Promise<
  | {
      readonly state: ExceptionState;
      readonly history: readonly ExceptionEvent[];
      readonly assignee?: string | undefined;
      readonly openedAt?: number | undefined;
    }
  | undefined
>;

const kpmKinds: ReadonlySet<string> = new Set(kpmExceptionKinds);
const withdrawalKinds: ReadonlySet<string> = new Set(withdrawalExceptionKinds);

function rowRecords(raw: RawFacts): KpmRowRecord[] {
  return raw.rows.map((r) => ({
    bank: r.bank,
    reference: r.reference,
    fileSha256: r.fileSha256,
    line: r.line,
    amount: r.amount,
    status: r.status,
    regionCode: r.regionCode,
  }));
}

function withdrawalRecords(raw: RawFacts, views: readonly WithdrawalView[]): KpmWithdrawalRecord[] {
  const byRef = new Map(views.map((v) => [v.ref, v]));
  const out: KpmWithdrawalRecord[] = [];
  for (const w of raw.withdrawals) {
    const view = byRef.get(withdrawalRef(w));
    if (view === undefined) continue;
    const [terminalId = '', stan = '', localDate = ''] = w.dupKey.split('|');
    out.push({
      ...view,
      id: w.id,
      terminalId,
      stan,
      localDate,
      at: w.at,
      receivedAt: w.receivedAt,
      setId: w.set?.setId,
    });
  }
  return out.sort((x, y) => (x.agentId === y.agentId ? x.seq - y.seq : x.agentId < y.agentId ? -1 : 1));
}

/** An exception as staff see it: the classification's view joined with its workflow record. */
export async function exceptionOf(
  tahap: string,
  kind: ExceptionKind,
  v: PositionView | WithdrawalView,
  read: ExceptionRecordReader,
): Promise<ExceptionView> {
  const id = exceptionIdOf(tahap, v);
  const record = await read(id);
  return {
    id,
    tahap,
    kind,
    kpmId: v.kpmId,
    agentId: 'seq' in v ? v.agentId : undefined,
    amount: exceptionAmount(kind, v),
    state: record?.state ?? 'open',
    assignee: record?.assignee,
    history: record?.history ?? [],
    openedAt: record?.openedAt ?? record?.history[0]?.at,
  };
}

export async function tahapRecord(
  raw: RawFacts,
  classification: Classification,
  read: ExceptionRecordReader,
): Promise<KpmTahapRecord> {
  const position = positionView(raw.kpmId, classification);
  const views = withdrawalViews(raw.kpmId, classification);
  const exceptions: ExceptionView[] = [];
  if (kpmKinds.has(position.category)) exceptions.push(await exceptionOf(raw.tahap, position.category, position, read));
  for (const v of views)
    if (withdrawalKinds.has(v.category)) exceptions.push(await exceptionOf(raw.tahap, v.category, v, read));
  return {
    tahap: raw.tahap,
    position,
    rows: rowRecords(raw),
    withdrawals: withdrawalRecords(raw, views),
    reversals: raw.reversals.map((r) => ({ ...r })),
    exceptions,
  };
}

/** The last 4 digits of each distinct card, in first-seen order. */
export function cardsLast4(pans: readonly string[]): string[] {
  return [...new Set(pans.map((p) => p.slice(-4)))];
}
