/**
 * Answers a retransmission: same (MTI, terminal, STAN, local date) as a request already decided.
 * Same content: the original response, byte for byte the same fields, no new entry. Different
 * content under a reused key: 94 (duplicate transmission), also without an entry, because
 * deciding it would let one key stand for two withdrawals.
 */
import { swapTpdu, type IsoMessage } from '../../protocol/iso8583/index.ts';
import { buildResponse } from './responses.ts';
import type { DedupeRecord } from './round.ts';

export function replay(message: IsoMessage, previous: DedupeRecord, print: string): IsoMessage {
  if (previous.reversedBeforeSeen === true) return buildResponse(message, '12');
  if (previous.fingerprint !== print || previous.response === undefined) return buildResponse(message, '94');
  return { tpdu: swapTpdu(message.tpdu), mti: previous.response.mti, fields: previous.response.fields };
}
