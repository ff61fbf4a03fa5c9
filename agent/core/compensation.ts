/**
 * The agent's own reversal of approvals no terminal heard. When a round fails after its batch
 * went to the disk, its 0200s were answered 96 although the batch may hold their approvals.
 * Recovery (recovery.ts) first completes that batch, so what is on disk is one known state
 * rather than some unknown part of it, and then this round reverses each of its approvals:
 *   - a reversal entry (reason response_timeout: the approval's answer was never sent), which
 *     gives the KPM's entitlement and the offline exposure back;
 *   - the 0200's dedupe record now holds the 96 the terminal heard, so a retransmission hears
 *     96 again and a 0400 for it finds it already reversed (00, nothing written);
 *   - today's approved totals and the terminal's settlement totals no longer count it (the
 *     terminal did not count it either), and today's declines count a 96.
 * An approval already reversed (its 0400 was in the same failed round) only gets its dedupe
 * record; a record already rewritten (a recovery attempt that got this far before failing
 * again) is skipped, so the round is safe to build again after any partial attempt. A 0200
 * whose approval never reached the disk (a round too big to be carried by its record,
 * failed-round.ts, and not written) gets its 96 as a dedupe record without an entry.
 *
 * The approvals come from memory (the failure, in the same process) and from the newest head
 * record (failed-round.ts: the same failure after a restart, or a recovery that started over);
 * the batch then also stores that record's version in meta.compensated, so neither a restart
 * nor a later attempt does it twice.
 */
import type { EngineContext } from './context.ts';
import { readWithdrawal } from './decide-reversal.ts';
import { compensatedMetaKey, type RecordedFailure, type Unheard } from './failed-round.ts';
import { appendReversalEntry } from './reversal-entry.ts';
import { closeRound, openRound, readDedupe, recordDecision, terminalOf, type Round } from './round.ts';
import { localDay, type CoreState } from './state.ts';
import type { BatchOp } from './types.ts';

export async function compensationRound(
  context: EngineContext,
  state: CoreState,
  time: { readonly at: number; readonly behind: boolean },
  unheard: readonly Unheard[],
): Promise<Round | undefined> {
  const round = openRound(state, time, context.utcOffsetMinutes);
  for (const [key, heard] of unheard) {
    if (heard.seq === undefined || heard.entryId === undefined) continue;
    const stored = await readDedupe(round, context.db, key);
    if (stored === undefined) {
      recordDecision(round, key, { at: heard.at, fingerprint: heard.fingerprint, response: heard.response });
      continue;
    }
    if (stored.seq !== heard.seq || stored.response?.fields[39] !== '00') continue;
    const withdrawal = await readWithdrawal(context, heard.seq);
    const reversed =
      round.reversals.has(withdrawal.id) || (await context.db.sub.reversals.get(withdrawal.id)) !== undefined;
    if (!reversed) {
      appendReversalEntry(context, round, withdrawal, withdrawal, 'response_timeout');
      uncount(round, withdrawal, context.utcOffsetMinutes);
    }
    recordDecision(round, key, { ...stored, response: heard.response });
  }
  return round.dedupe.size === 0 ? undefined : round;
}

/**
 * The compensation round for approvals from memory and from a recorded failure, and the ops that
 * write it (with meta.compensated when a recorded failure is covered); undefined when there is
 * nothing to write.
 */
export async function compensationBatch(
  context: EngineContext,
  state: CoreState,
  time: { readonly at: number; readonly behind: boolean },
  times: { timeHigh: number; gatewayTimeHigh: number },
  fromMemory: readonly Unheard[],
  recorded: RecordedFailure | undefined,
): Promise<{ round: Round | undefined; ops: BatchOp[] } | undefined> {
  const round = await compensationRound(context, state, time, [...fromMemory, ...(recorded?.unheard ?? [])]);
  if (round === undefined && recorded === undefined) return undefined;
  const ops = round === undefined ? [] : closeRound(round, times);
  if (recorded !== undefined)
    ops.push({ type: 'put', sublevel: 'meta', key: compensatedMetaKey, value: recorded.version });
  return { round, ops };
}

/**
 * Today's figures count the approval only on the local day it was approved (a restart after
 * midnight compensates a round of the day before: that day's figures are gone, not today's).
 */
function uncount(
  round: Round,
  { terminalId, amount, at }: { terminalId: string; amount: number; at: number },
  utcOffsetMinutes: number,
): void {
  if (localDay(at, utcOffsetMinutes) === round.today.date) {
    round.today.approvedCount -= 1;
    round.today.approvedAmount -= amount;
    round.today.declinedByCode['96'] = (round.today.declinedByCode['96'] ?? 0) + 1;
  }
  const totals = terminalOf(round, terminalId);
  totals.withdrawalCount -= 1;
  totals.withdrawalAmount -= amount;
}
