/**
 * 0500 settlement: the terminal sends its batch totals (field 63); the agent compares them with
 * the totals its ledger holds for that terminal since the terminal's last good settlement.
 * Equal -> 00 and the terminal's totals start again from zero; different -> 95 (reconcile
 * error), totals kept, and the 0510 carries the agent's own totals in field 63 so the operator
 * can see which side differs. A retransmitted 0500 gets its original answer.
 */
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import type { EngineContext } from './context.ts';
import { decisionKey } from './decision-key.ts';
import { dedupeWindowMs } from './limits.ts';
import type { CoreRequest } from './requests.ts';
import { buildResponse } from './responses.ts';
import { replay } from './replay.ts';
import { readDedupe, recordDecision, storedResponse, terminalOf, type Round } from './round.ts';

type Settlement = Extract<CoreRequest, { kind: 'settlement' }>;

export async function decideSettlement(
  context: EngineContext,
  round: Round,
  message: IsoMessage,
  request: Settlement,
): Promise<IsoMessage> {
  const { key, print } = decisionKey(context, message, request);
  const t = request.totals;
  const previous = await readDedupe(round, context.db, key);
  if (previous !== undefined && round.now - previous.at < dedupeWindowMs) return replay(message, previous, print);
  const ours = terminalOf(round, request.key.terminalId);
  const equal =
    ours.withdrawalCount === t.withdrawalCount &&
    ours.withdrawalAmount === t.withdrawalAmount &&
    ours.reversalCount === t.reversalCount &&
    ours.reversalAmount === t.reversalAmount;
  const response = equal ? buildResponse(message, '00') : buildResponse(message, '95', { fields: { 63: { ...ours } } });
  if (equal) Object.assign(ours, { withdrawalCount: 0, withdrawalAmount: 0, reversalCount: 0, reversalAmount: 0 });
  recordDecision(round, key, { at: round.now, fingerprint: print, response: storedResponse(response) });
  return response;
}
