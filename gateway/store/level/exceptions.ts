/**
 * Exception workflow: open -> investigating -> resolved (with a reason), every change with a
 * note, written together with its audit record. An exception exists while its KPM or withdrawal
 * is in an exception category; its state record outlives a category change so history is kept.
 * Resolving a withdrawal's exception is also a fact of its KPM (`res!T!kpm!ref`, and in the
 * position): the projection then moves its amount in the agent's settlement, in the same batch.
 */
import { ERR_EXCEPTION_TRANSITION, ERR_NOT_FOUND } from '../../errors.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import { addResolutionFact } from '../../recon/facts.ts';
import type {
  ExceptionAssignment,
  ExceptionChange,
  ExceptionEvent,
  ExceptionState,
  ExceptionView,
  PositionView,
  WithdrawalView,
} from '../types.ts';
import { kpmExceptionKinds, parseExceptionId, withdrawalExceptionKinds } from '../../recon/exceptions.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';
import { exceptionView, openedAtOf, type ExceptionRecord } from './exception-view.ts';
import { updatePosition } from './position.ts';

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
  const parsed = parseExceptionId(id);
  if (parsed?.type === 'K') {
    for (const kind of kpmExceptionKinds) {
      const view = await tx.get<PositionView>(k.kpmCategory(parsed.tahap, kind, parsed.kpmId));
      if (view !== undefined) return { tahap: parsed.tahap, kind, view };
    }
  }
  if (parsed?.type === 'W') {
    for (const kind of withdrawalExceptionKinds) {
      const view = await tx.get<WithdrawalView>(
        k.withdrawalCategory(parsed.tahap, kind, parsed.agentId, parsed.seq, parsed.ref),
      );
      if (view !== undefined) return { tahap: parsed.tahap, kind, view };
    }
  }
  return undefined;
}

function checkTransition(id: string, record: ExceptionRecord, change: ExceptionChange): void {
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
}

/** A resolved withdrawal: its resolution becomes a fact of its KPM, and the settlement moves with it. */
async function recordResolution(tx: Tx, env: ReconEnv, tahap: string, view: WithdrawalView, event: ExceptionEvent) {
  if (event.reason === undefined) return;
  const resolution = { ref: view.ref, reason: event.reason };
  tx.put(k.resolution(tahap, view.kpmId, view.ref), { ...resolution, at: event.at });
  await updatePosition(tx, env, tahap, view.kpmId, (facts) => addResolutionFact(facts, resolution));
}

export async function transitionIntoTx(
  tx: Tx,
  env: ReconEnv,
  id: string,
  change: ExceptionChange,
  auditId: string,
): Promise<ExceptionView> {
  const current = await findCurrent(tx, id);
  if (current === undefined)
    throw new ERR_NOT_FOUND(`Cannot change exception ${id}: expected a current exception with that id, found none`, {
      id,
    });
  const record = (await tx.get<ExceptionRecord>(k.exception(id))) ?? {
    id,
    state: 'open',
    history: [],
    openedAt: change.now,
  };
  checkTransition(id, record, change);
  const event: ExceptionEvent = {
    at: change.now,
    actor: change.actor,
    from: record.state,
    to: change.to,
    reason: change.to === 'resolved' ? change.reason : undefined,
    note: change.note,
  };
  const next: ExceptionRecord = { ...record, id, state: change.to, history: [...record.history, event] };
  tx.put(k.exception(id), next);
  tx.put(k.audit(auditId), {
    id: auditId,
    at: change.now,
    actor: change.actor,
    action: 'exception.transition',
    details: { exceptionId: id, from: record.state, to: change.to, reason: event.reason, note: change.note },
  });
  if (change.to === 'resolved' && 'seq' in current.view)
    await recordResolution(tx, env, current.tahap, current.view, event);
  const view = await exceptionView(tx.db, current.tahap, current.kind, current.view);
  return { ...view, state: next.state, assignee: next.assignee, history: next.history, openedAt: openedAtOf(next) };
}

export async function assignIntoTx(
  tx: Tx,
  id: string,
  assignment: ExceptionAssignment,
  auditId: string,
): Promise<ExceptionView> {
  const current = await findCurrent(tx, id);
  if (current === undefined)
    throw new ERR_NOT_FOUND(`Cannot assign exception ${id}: expected a current exception with that id, found none`, {
      id,
    });
  const record = (await tx.get<ExceptionRecord>(k.exception(id))) ?? {
    id,
    state: 'open',
    history: [],
    openedAt: assignment.now,
  };
  if (record.state === 'resolved')
    throw new ERR_EXCEPTION_TRANSITION(`Cannot assign exception ${id}: expected an unresolved one, found it resolved`, {
      id,
    });
  const { assignee: from, ...rest } = record;
  const next: ExceptionRecord = assignment.assignee === undefined ? rest : { ...rest, assignee: assignment.assignee };
  tx.put(k.exception(id), next);
  tx.put(k.audit(auditId), {
    id: auditId,
    at: assignment.now,
    actor: assignment.actor,
    action: 'exception.assign',
    details: { exceptionId: id, from: from ?? null, to: assignment.assignee ?? null },
  });
  const view = await exceptionView(tx.db, current.tahap, current.kind, current.view);
  return { ...view, state: next.state, assignee: next.assignee, history: next.history, openedAt: openedAtOf(next) };
}
