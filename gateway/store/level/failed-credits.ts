/**
 * Failed credits (gagal transfer) and their settlement by a reconciler (api/failed-credits.ts).
 * A step is written on the failed row's record (`settlement`), so the full recompute reads it
 * from the raw rows exactly as the continuous position holds it (disbursements.ts
 * effectiveStatus); a re-disbursement adds a credited row (`redisburses` links it), and a later
 * bank file carrying that credit under the same reference is a duplicate, never a second credit.
 * A bank RETUR row carrying the failed row's reference (`planBankReturn`, applied by import-plan.ts) settles it as
 * returned, or confirms a reconciler's retur: the amount is counted once, as returned.
 */
import { ERR_FAILED_CREDIT_TRANSITION, ERR_NOT_FOUND } from '../../errors.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import type { RawFacts } from '../../recon/facts.ts';
import type {
  FailedCreditAction,
  FailedCreditEvent,
  FailedCreditId,
  FailedCreditSettlement,
  FailedCreditState,
  FailedCreditStep,
  FailedCreditView,
  Page,
} from '../types.ts';
import type { Db, Tx } from './db.ts';
import type { RowRecord } from './disbursements.ts';
import { k, range, sep } from './keys.ts';
import { updatePosition } from './position.ts';
import { page } from './queries.ts';

/** Events one failed credit may hold (a step is refused beyond it). */
export const failedCreditHistoryMax = 10;

const moves: Record<FailedCreditAction, { from: readonly FailedCreditState[]; to: FailedCreditSettlement['state'] }> = {
  revalidate: { from: ['failed'], to: 'revalidated' },
  redisburse: { from: ['revalidated'], to: 'redisbursed' },
  return: { from: ['failed', 'revalidated'], to: 'returned' },
};

function bankReturnOf(record: RowRecord): FailedCreditEvent | undefined {
  return record.settlement?.history.find((e) => e.action === 'bank_return');
}

function idText(id: FailedCreditId): string {
  return `${id.tahap}/${id.kpmId}/${id.bank}/${id.reference}`;
}

export function failedCreditView(id: FailedCreditId, record: RowRecord): FailedCreditView {
  const s = record.settlement;
  return {
    ...id,
    regionCode: record.regionCode,
    amount: record.amount,
    line: record.line,
    fileSha256: record.fileSha256,
    state: s?.state ?? 'failed',
    history: s?.history ?? [],
    ...(s?.newReference === undefined ? {} : { newReference: s.newReference }),
  };
}

export async function failedCreditsPage(
  db: Db,
  tahap: string,
  query: { readonly after?: string | undefined; readonly limit: number },
): Promise<Page<FailedCreditView>> {
  return page<FailedCreditView, RowRecord>(db, [range('drow', tahap)], query.after, query.limit, (key, record) => {
    if (record.status !== 'failed') return undefined;
    const parts = key.split(sep);
    const id = { tahap, kpmId: parts[2] ?? '', bank: parts[3] ?? '', reference: parts.slice(4).join(sep) };
    return failedCreditView(id, record);
  });
}

async function checkStep(tx: Tx, id: FailedCreditId, record: RowRecord, step: FailedCreditStep): Promise<void> {
  const state = record.settlement?.state ?? 'failed';
  const move = moves[step.action];
  const refuse = (why: string) => {
    throw new ERR_FAILED_CREDIT_TRANSITION(`Cannot ${step.action} failed credit ${idText(id)}: ${why}`, {
      ...id,
      state,
      action: step.action,
    });
  };
  const bank = bankReturnOf(record);
  const byBank =
    bank === undefined ? '' : ` (returned by the bank: file ${bank.fileSha256?.slice(0, 12)}.. line ${bank.line})`;
  if (!move.from.includes(state)) refuse(`expected state ${move.from.join(' or ')}, found ${state}${byBank}`);
  if ((record.settlement?.history.length ?? 0) >= failedCreditHistoryMax)
    refuse(`history is full (${failedCreditHistoryMax} events)`);
  if (step.action !== 'redisburse') return;
  if (step.newReference === undefined) refuse('expected a newReference, found none');
  const taken = await tx.get(k.row(id.tahap, id.kpmId, id.bank, step.newReference ?? ''));
  if (taken !== undefined) refuse(`expected a new reference, found ${step.newReference ?? ''} already a row`);
}

/** The position follows the rows: the failed row's new status, and the re-disbursement credit. */
function changeFacts(facts: RawFacts, id: FailedCreditId, to: FailedCreditState, newReference: string | undefined) {
  const i = facts.rows.findIndex((r) => r.bank === id.bank && r.reference === id.reference);
  const row = facts.rows[i];
  if (row === undefined) return;
  if (to === 'returned' || to === 'redisbursed') facts.rows[i] = { ...row, status: to };
  if (newReference !== undefined) facts.rows.push({ ...row, reference: newReference, status: 'credited' });
}

/** Applies one step (checked first: a refused step changes nothing). */
export async function stepFailedCreditIntoTx(
  tx: Tx,
  env: ReconEnv,
  id: FailedCreditId,
  step: FailedCreditStep,
  auditId: string,
): Promise<FailedCreditView> {
  const key = k.row(id.tahap, id.kpmId, id.bank, id.reference);
  const record = await tx.get<RowRecord>(key);
  if (record?.status !== 'failed')
    throw new ERR_NOT_FOUND(`Cannot step failed credit ${idText(id)}: expected a failed bank row, found none`, {
      ...id,
    });
  await checkStep(tx, id, record, step);
  const from = record.settlement?.state ?? 'failed';
  const to = moves[step.action].to;
  const newReference = step.action === 'redisburse' ? step.newReference : undefined;
  const event: FailedCreditEvent = {
    action: step.action,
    from,
    to,
    actor: step.actor,
    at: step.now,
    note: step.note,
    ...(newReference === undefined ? {} : { newReference }),
  };
  const settlement: FailedCreditSettlement = {
    state: to,
    history: [...(record.settlement?.history ?? []), event],
    ...(newReference === undefined ? {} : { newReference }),
  };
  const next: RowRecord = { ...record, settlement };
  tx.put(key, next);
  if (newReference !== undefined) {
    const credit: RowRecord = { ...record, status: 'credited', redisburses: id.reference };
    tx.put(k.row(id.tahap, id.kpmId, id.bank, newReference), credit);
  }
  await updatePosition(tx, env, id.tahap, id.kpmId, (facts) => changeFacts(facts, id, to, newReference));
  tx.put(k.audit(auditId), {
    id: auditId,
    at: step.now,
    actor: step.actor,
    action: `failedCredit.${step.action}`,
    details: { ...id, from, to, note: step.note, ...(newReference === undefined ? {} : { newReference }) },
  });
  return failedCreditView(id, next);
}

export type BankReturnPlan =
  | { readonly kind: 'applied' | 'confirmed'; readonly record: RowRecord }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'conflict'; readonly reason: string };

/** A RETUR row of a failed row: same bank, tahap, kpmId and reference (the row key) and amount. */
export function isBankReturnOf(record: RowRecord, row: { status: string; amount: number }): boolean {
  return record.status === 'failed' && row.status === 'returned' && record.amount === row.amount;
}

/**
 * A bank RETUR row of a failed row already held (gateway/import/README.md "Retur rows"), planned
 * without reading or writing (store/level/import-plan.ts applies it). Failed or revalidated: the
 * credit is returned by the bank (`applied`: the position's row becomes returned, `returnFacts`).
 * Returned by a reconciler: the bank confirms it (`confirmed`: figures unchanged). Already returned
 * by a bank row: `duplicate`. Re-disbursed, or its history full: a conflict for a person.
 */
export function planBankReturn(
  id: FailedCreditId,
  record: RowRecord,
  source: { readonly fileSha256: string; readonly line: number; readonly now: number },
): BankReturnPlan {
  const state = record.settlement?.state ?? 'failed';
  if (bankReturnOf(record) !== undefined) return { kind: 'duplicate' };
  if (state === 'redisbursed')
    return {
      kind: 'conflict',
      reason: `status: a retur of failed credit ${id.reference}, re-disbursed as ${record.settlement?.newReference}`,
    };
  if ((record.settlement?.history.length ?? 0) >= failedCreditHistoryMax)
    return { kind: 'conflict', reason: `status: a retur of failed credit ${id.reference}, whose history is full` };
  const event: FailedCreditEvent = {
    action: 'bank_return',
    from: state,
    to: 'returned',
    actor: 'bank',
    at: source.now,
    note: `RETUR ${id.bank} ${source.fileSha256.slice(0, 12)}.. baris ${source.line}`,
    fileSha256: source.fileSha256,
    line: source.line,
  };
  const settlement: FailedCreditSettlement = {
    ...record.settlement,
    state: 'returned',
    history: [...(record.settlement?.history ?? []), event],
  };
  return { kind: state === 'returned' ? 'confirmed' : 'applied', record: { ...record, settlement } };
}

/** The position's facts after a bank retur of the row `id`. */
export function returnFacts(facts: RawFacts, id: FailedCreditId): void {
  changeFacts(facts, id, 'returned', undefined);
}
