/**
 * Turns an ISO 8583 request into the typed request the engine decides on. The message is first
 * checked with the codec's own rules (validateMessage), so a request built in memory is held to
 * the same rules as one decoded from the wire; anything it refuses is answered 30 (format error).
 * Card data (PAN, track 2, field 55) is read here and goes no further than the engine: it is
 * hashed and sealed there, never stored or logged in clear.
 */
import {
  cardPinResult,
  isRequestMti,
  validateMessage,
  type CardPinResult,
  type IsoMessage,
  type SettlementTotals,
} from '../../protocol/iso8583/index.ts';
import { isEdcError } from '../../protocol/errors.ts';

export interface TxnKey {
  readonly terminalId: string;
  readonly stan: string;
  readonly localDate: string;
}

export interface CardData {
  readonly pan: string;
  readonly pinResult: CardPinResult;
  /** Card expiry YYMM from field 14 or track 2, when the terminal sent one. */
  readonly expiry: string | undefined;
}

export type CoreRequest =
  | { readonly kind: 'network' }
  | { readonly kind: 'balance'; readonly key: TxnKey; readonly card: CardData }
  | { readonly kind: 'withdrawal'; readonly key: TxnKey; readonly card: CardData; readonly amount: number }
  | { readonly kind: 'reversal'; readonly key: TxnKey; readonly original: TxnKey; readonly amount: number }
  | { readonly kind: 'settlement'; readonly key: TxnKey; readonly totals: SettlementTotals }
  | { readonly kind: 'invalid'; readonly code: '30' | '12'; readonly reason: string };

export function parseRequest(message: IsoMessage): CoreRequest {
  try {
    validateMessage(message);
  } catch (error) {
    if (isEdcError(error)) return { kind: 'invalid', code: '30', reason: error.code };
    return { kind: 'invalid', code: '30', reason: 'unreadable message' };
  }
  if (!isRequestMti(message.mti)) return { kind: 'invalid', code: '12', reason: `MTI ${message.mti} is a response` };
  const f = message.fields;
  // validateMessage has checked that each MTI's required fields are present.
  const key: TxnKey = { terminalId: f[41] ?? '', stan: f[11] ?? '', localDate: f[13] ?? '' };
  switch (message.mti) {
    case '0800':
      return { kind: 'network' };
    case '0500':
      return f[63] === undefined ? missing(63) : { kind: 'settlement', key, totals: f[63] };
    case '0400': {
      const original = f[60];
      if (original?.kind !== 'original') return missing(60);
      return {
        kind: 'reversal',
        key,
        original: { terminalId: key.terminalId, stan: original.stan, localDate: original.localDate },
        amount: f[4] ?? 0,
      };
    }
    default:
      return parseCardRequest(message, key);
  }
}

function parseCardRequest(message: IsoMessage, key: TxnKey): CoreRequest {
  const f = message.fields;
  const track2 = f[35];
  const trackPan = track2?.slice(0, track2.indexOf('D'));
  const pan = f[2] ?? trackPan;
  if (pan === undefined) return missing(2);
  if (trackPan !== undefined && trackPan !== pan)
    return { kind: 'invalid', code: '30', reason: 'PAN in field 2 differs from track 2' };
  let pinResult: CardPinResult;
  try {
    pinResult = cardPinResult(f[55]);
  } catch {
    return { kind: 'invalid', code: '30', reason: 'field 55 unreadable' };
  }
  const dIndex = track2 === undefined ? -1 : track2.indexOf('D');
  const expiry = f[14] ?? (dIndex < 0 ? undefined : track2?.slice(dIndex + 1, dIndex + 5));
  const card: CardData = { pan, pinResult, expiry };
  if (message.mti === '0100') return { kind: 'balance', key, card };
  return { kind: 'withdrawal', key, card, amount: f[4] ?? 0 };
}

function missing(field: number): CoreRequest {
  return { kind: 'invalid', code: '30', reason: `field ${field} missing` };
}
