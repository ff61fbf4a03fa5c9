/**
 * The key and fingerprint a writing request is deduplicated by: the key is (MTI, terminal, STAN,
 * local date), the fingerprint a keyed hash of the content that must match for a retransmission
 * (0200: PAN, amount, processing code; 0400: the original's STAN and date, amount; 0500: the four
 * totals). One definition for the deciders and for answering a retransmission while the ledger
 * cannot be read (recent-decisions.ts).
 */
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import { fingerprint, type EngineContext } from './context.ts';
import type { CoreRequest } from './requests.ts';
import { keyOf } from './round.ts';

type WritingRequest = Extract<CoreRequest, { kind: 'withdrawal' | 'reversal' | 'settlement' }>;

export function decisionKey(
  context: EngineContext,
  message: IsoMessage,
  request: WritingRequest,
): { readonly key: string; readonly print: string } {
  if (request.kind === 'withdrawal') {
    return {
      key: keyOf('0200', request.key),
      print: fingerprint(context, ['0200', request.card.pan, request.amount, message.fields[3] ?? '']),
    };
  }
  if (request.kind === 'reversal') {
    return {
      key: keyOf('0400', request.key),
      print: fingerprint(context, ['0400', request.original.stan, request.original.localDate, request.amount]),
    };
  }
  const t = request.totals;
  return {
    key: keyOf('0500', request.key),
    print: fingerprint(context, ['0500', t.withdrawalCount, t.withdrawalAmount, t.reversalCount, t.reversalAmount]),
  };
}
