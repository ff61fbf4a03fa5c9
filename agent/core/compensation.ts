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
 * again) is skipped, so the round is safe to build again after any partial attempt.
 */
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import type { EngineContext } from './context.ts';
import { readWithdrawal } from './decide-reversal.ts';
import { appendReversalEntry } from './reversal-entry.ts';
import { openRound, readDedupe, recordDecision, storedResponse, terminalOf, type Round } from './round.ts';
import type { CoreState } from './state.ts';

export interface UnheardApprovals {
  /** The failed round: its dedupe records name the approvals (seq, entryId). */
  readonly round: Round;
  /** 0200 dedupe key -> the 96 answer its terminal was given. */
  readonly answered: ReadonlyMap<string, IsoMessage>;
}

export async function compensationRound(
  context: EngineContext,
  state: CoreState,
  time: { readonly at: number; readonly behind: boolean },
  unheard: readonly UnheardApprovals[],
): Promise<Round | undefined> {
  const round = openRound(state, time, context.utcOffsetMinutes);
  for (const failed of unheard) {
    for (const [key, record] of failed.round.dedupe) {
      const sent = failed.answered.get(key);
      if (sent === undefined || record.seq === undefined || record.entryId === undefined) continue;
      const stored = await readDedupe(round, context.db, key);
      if (stored?.seq !== record.seq || stored.response?.fields[39] !== '00') continue;
      const withdrawal = await readWithdrawal(context, record.seq);
      const reversed =
        round.reversals.has(withdrawal.id) || (await context.db.sub.reversals.get(withdrawal.id)) !== undefined;
      if (!reversed) {
        appendReversalEntry(context, round, withdrawal, withdrawal, 'response_timeout');
        uncount(round, withdrawal.terminalId, withdrawal.amount);
      }
      recordDecision(round, key, { ...stored, response: storedResponse(sent) });
    }
  }
  return round.dedupe.size === 0 ? undefined : round;
}

function uncount(round: Round, terminalId: string, amount: number): void {
  round.today.approvedCount -= 1;
  round.today.approvedAmount -= amount;
  round.today.declinedByCode['96'] = (round.today.declinedByCode['96'] ?? 0) + 1;
  const totals = terminalOf(round, terminalId);
  totals.withdrawalCount -= 1;
  totals.withdrawalAmount -= amount;
}
