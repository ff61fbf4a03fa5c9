/**
 * Exception workflow: open -> investigating -> resolved (with a reason), every change with a
 * note, written together with its audit record. An exception exists while its KPM or withdrawal
 * is in an exception category; its state record outlives a category change so history is kept.
 */
import { ERR_EXCEPTION_TRANSITION, ERR_NOT_FOUND } from '../../errors.ts';
import type {
  ExceptionEvent,
  ExceptionState,
  ExceptionView,
  PositionView,
  ResolutionReason,
  WithdrawalView,
} from '../types.ts';
import { kpmExceptionKinds, withdrawalExceptionKinds } from '../../recon/exceptions.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';
import { exceptionView, type ExceptionRecord } from './exception-view.ts';

export const historyEventsMax = 1000;

const allowed: Record<ExceptionState, readonly ExceptionState[]> = {
  open: ['investigating'],
  investigating: ['resolved', 'open'],
  resolved: [],
};

async function findCurrent(
  tx: Tx,
  id: string,
): Promise<{ tahap: string; kind: ExceptionView['kind']; view: PositionView | WithdrawalView } | undefined> {
  const parts = id.split(':');
  const [type, tahap = ''] = parts;
  if (type === 'K' && parts.length === 3) {
    for (const kind of kpmExceptionKinds) {
      const view = await tx.get<PositionView>(k.kpmCategory(tahap, kind, parts[2] ?? ''));
      if (view !== undefined) return { tahap, kind, view };
    }
  }
  if (type === 'W' && parts.length === 5) {
    for (const kind of withdrawalExceptionKinds) {
      const view = await tx.get<WithdrawalView>(
        k.withdrawalCategory(tahap, kind, parts[2] ?? '', Number(parts[3]), parts[4] ?? ''),
      );
      if (view !== undefined) return { tahap, kind, view };
    }
  }
  return undefined;
}

export async function transitionIntoTx(
  tx: Tx,
  id: string,
  change: { to: ExceptionState; reason: ResolutionReason | undefined; note: string; actor: string; now: number },
  auditId: string,
): Promise<ExceptionView> {
  const current = await findCurrent(tx, id);
  if (current === undefined)
    throw new ERR_NOT_FOUND(`Cannot change exception ${id}: expected a current exception with that id, found none`, {
      id,
    });
  const record = (await tx.get<ExceptionRecord>(k.exception(id))) ?? { id, state: 'open', history: [] };
  if (!allowed[record.state].includes(change.to)) {
    throw new ERR_EXCEPTION_TRANSITION(
      `Cannot move exception ${id} from ${record.state} to ${change.to}: ` +
        `expected one of ${allowed[record.state].join(', ') || 'nothing (resolved is final)'}`,
      { id, from: record.state, to: change.to },
    );
  }
  if (change.to === 'resolved' && change.reason === undefined) {
    throw new ERR_EXCEPTION_TRANSITION(`Cannot resolve exception ${id}: expected a reason, found none`, { id });
  }
  if (record.history.length >= historyEventsMax)
    throw new ERR_EXCEPTION_TRANSITION(`Cannot change exception ${id}: history is full (${historyEventsMax} events)`, {
      id,
    });
  const event: ExceptionEvent = {
    at: change.now,
    actor: change.actor,
    from: record.state,
    to: change.to,
    reason: change.to === 'resolved' ? change.reason : undefined,
    note: change.note,
  };
  tx.put(k.exception(id), { id, state: change.to, history: [...record.history, event] } satisfies ExceptionRecord);
  tx.put(k.audit(auditId), {
    id: auditId,
    at: change.now,
    actor: change.actor,
    action: 'exception.transition',
    details: { exceptionId: id, from: record.state, to: change.to, reason: event.reason, note: change.note },
  });
  const view = await exceptionView(tx.db, current.tahap, current.kind, current.view);
  return { ...view, state: change.to, history: [...record.history, event] };
}
