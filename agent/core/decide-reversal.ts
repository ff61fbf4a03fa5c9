/**
 * 0400 reversal of a cash withdrawal (the terminal did not pay out, or timed out waiting).
 *   original approved, not yet reversed  -> append a reversal entry, restore entitlement and
 *                                           offline exposure, answer 00
 *   original already reversed            -> 00, no entry (idempotent: the goal already holds)
 *   original declined                    -> 00, no entry (nothing was debited)
 *   original never seen                  -> 00, no entry, and the original's key is marked so a
 *                                           late-arriving 0200 for it is declined (12), never
 *                                           approved: the terminal has already told the KPM it
 *                                           was cancelled. Answering 00 stops the terminal from
 *                                           resending the reversal for ever.
 *   amount differs from the original     -> 13 (partial reversals are not supported), no entry
 * Reversals are accepted even with no, an expired, or a full-queue entitlement set: they only
 * ever give money back.
 */
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import { LedgerEntry } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { decisionKey } from './decision-key.ts';
import { ERR_LEDGER_CORRUPT } from './errors.ts';
import { dedupeWindowMs } from './limits.ts';
import type { CoreRequest } from './requests.ts';
import { buildResponse } from './responses.ts';
import { replay } from './replay.ts';
import { appendReversalEntry } from './reversal-entry.ts';
import { keyOf, readDedupe, recordDecision, storedResponse, terminalOf, type Round } from './round.ts';
import { seqKey } from './store.ts';

type Reversal = Extract<CoreRequest, { kind: 'reversal' }>;

export async function decideReversal(
  context: EngineContext,
  round: Round,
  message: IsoMessage,
  request: Reversal,
): Promise<IsoMessage> {
  const { key, print } = decisionKey(context, message, request);
  const previous = await readDedupe(round, context.db, key);
  if (previous !== undefined && round.now - previous.at < dedupeWindowMs) return replay(message, previous, print);
  const answer = (response: IsoMessage, extra: { seq?: number; entryId?: string } = {}): IsoMessage => {
    recordDecision(round, key, { at: round.now, fingerprint: print, response: storedResponse(response), ...extra });
    return response;
  };
  const originalKey = keyOf('0200', request.original);
  const original = await readDedupe(round, context.db, originalKey);
  if (original === undefined || round.now - original.at >= dedupeWindowMs) {
    recordDecision(round, originalKey, {
      at: round.now,
      fingerprint: 'reversed-before-seen',
      reversedBeforeSeen: true,
    });
    return answer(buildResponse(message, '00'));
  }
  if (original.seq === undefined || original.entryId === undefined) return answer(buildResponse(message, '00'));
  const withdrawal = await readWithdrawal(context, original.seq);
  if (request.amount !== withdrawal.amount) return answer(buildResponse(message, '13'));
  if (round.reversals.has(withdrawal.id) || (await context.db.sub.reversals.get(withdrawal.id)) !== undefined) {
    return answer(buildResponse(message, '00'));
  }
  const entry = appendReversal(context, round, request, withdrawal);
  return answer(buildResponse(message, '00'), { seq: entry.seq, entryId: entry.id });
}

export async function readWithdrawal(
  context: EngineContext,
  seq: number,
): Promise<Extract<LedgerEntry, { kind: 'withdrawal' }>> {
  const parsed = LedgerEntry.safeParse(await context.db.sub.entries.get(seqKey(seq)));
  if (!parsed.success || parsed.data.kind !== 'withdrawal') {
    throw new ERR_LEDGER_CORRUPT(
      `Cannot reverse: the dedupe index points at seq ${seq}, which is not a withdrawal entry`,
      { seq },
    );
  }
  return parsed.data;
}

function appendReversal(
  context: EngineContext,
  round: Round,
  request: Reversal,
  withdrawal: Extract<LedgerEntry, { kind: 'withdrawal' }>,
): LedgerEntry {
  const entry = appendReversalEntry(context, round, withdrawal, request.key, 'terminal_reversal');
  round.today.reversedCount += 1;
  round.today.reversedAmount += withdrawal.amount;
  const totals = terminalOf(round, request.key.terminalId);
  totals.reversalCount += 1;
  totals.reversalAmount += withdrawal.amount;
  return entry;
}
