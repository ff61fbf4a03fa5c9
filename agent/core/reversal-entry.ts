/**
 * Appends a reversal entry to a round and gives the money back in its figures: the KPM's
 * remaining entitlement and the offline exposure. Shared by the terminal's 0400
 * (decide-reversal.ts) and the agent's own reversal of an approval nobody heard
 * (compensation.ts).
 */
import { LedgerEntry, signEntry, type ReversalBody } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import type { TxnKey } from './requests.ts';
import { appendEntry, remainingOf, type Round } from './round.ts';

type Withdrawal = Extract<LedgerEntry, { kind: 'withdrawal' }>;

export function appendReversalEntry(
  context: EngineContext,
  round: Round,
  withdrawal: Withdrawal,
  key: TxnKey,
  reason: ReversalBody['reason'],
): LedgerEntry {
  const body: ReversalBody = {
    v: 1,
    id: context.newId(),
    agentId: context.agentId,
    seq: round.head.seq + 1,
    prevHash: round.head.hash,
    at: round.now,
    tahap: withdrawal.tahap,
    kpmId: withdrawal.kpmId,
    amount: withdrawal.amount,
    terminalId: key.terminalId,
    stan: key.stan,
    localDate: key.localDate,
    kind: 'reversal',
    reverses: withdrawal.id,
    reversesSeq: withdrawal.seq,
    reason,
  };
  // Assertion before the write: the entry is exactly what the gateway will accept.
  const entry = LedgerEntry.parse(signEntry(body, context.seed));
  appendEntry(round, entry);
  round.reversals.set(withdrawal.id, entry.seq);
  restoreFor(round, withdrawal);
  return entry;
}

/**
 * Same arithmetic as installEntitlementSet and verifyLedger (arithmetic.ts): remaining is the
 * set's figure minus net withdrawals after basedOnSeq, so a reversal always adds back; exposure
 * falls only while the gateway has not acknowledged the withdrawal.
 */
function restoreFor(round: Round, withdrawal: Withdrawal): void {
  if (round.base.set !== null && round.base.remaining.has(withdrawal.kpmId))
    round.remaining.set(withdrawal.kpmId, remainingOf(round, withdrawal.kpmId) + withdrawal.amount);
  if (withdrawal.seq > round.base.ack.seq) round.exposure -= withdrawal.amount;
}
