/**
 * Builds the response to a request: the response MTI, the TPDU with its addresses swapped, the
 * fields the response must echo, field 39 and the receipt text in field 62 (Bahasa Indonesia, as
 * terminals print it). Card data (fields 2, 35, 52, 55) is never echoed, so no stored response
 * ever holds a PAN. A response that would not pass the codec's own rules (only possible when
 * the request itself was malformed) falls back to neutral placeholders for the echoed fields,
 * so handle() can always answer. The response is encoded here, once: the link sends those bytes.
 */
import {
  agentRefusalTexts,
  encode,
  responseCodes,
  responseMti,
  swapTpdu,
  type IsoFields,
  type IsoMessage,
  type Mti,
  type RequestMti,
  type ResponseCode,
  type Tpdu,
} from '../../protocol/iso8583/index.ts';

type MutableFields = { -readonly [K in keyof IsoFields]: IsoFields[K] };

/**
 * Fields each response echoes from its request (when present there). Shared with the link's
 * format-error answer (agent/link/format-error.ts) so every response follows one echo rule.
 */
export const echoed: Readonly<Record<RequestMti, readonly (keyof IsoFields)[]>> = {
  '0100': [3, 11, 12, 13, 24, 41, 42],
  '0200': [3, 4, 11, 12, 13, 24, 41, 42],
  '0400': [3, 4, 11, 12, 13, 24, 41, 42, 60],
  '0500': [3, 11, 12, 13, 24, 41, 42, 60, 63],
  '0800': [7, 11, 24, 41, 42, 70],
};

/** Placeholders for required echo fields a malformed request lacked. */
const placeholders: Readonly<Record<RequestMti, IsoFields>> = {
  '0100': { 3: '310000', 11: '000000', 12: '000000', 13: '0101', 41: '00000000', 42: '000000000000000' },
  '0200': { 3: '010000', 4: 0, 11: '000000', 12: '000000', 13: '0101', 41: '00000000', 42: '000000000000000' },
  '0400': {
    3: '010000',
    4: 0,
    11: '000000',
    12: '000000',
    13: '0101',
    41: '00000000',
    42: '000000000000000',
    60: { kind: 'original', mti: '0200', stan: '000000', localDate: '0101', localTime: '000000' },
  },
  '0500': {
    3: '920000',
    11: '000000',
    12: '000000',
    13: '0101',
    41: '00000000',
    42: '000000000000000',
    60: { kind: 'batch', batchNumber: '000000' },
    63: { withdrawalCount: 0, withdrawalAmount: 0, reversalCount: 0, reversalAmount: 0 },
  },
  '0800': { 7: '0101000000', 11: '000000', 41: '00000000', 70: '301' },
};

export interface ResponseExtras {
  readonly fields?: IsoFields;
  /** Receipt text instead of the code's own Bahasa Indonesia text. */
  readonly text?: string;
}

export function requestMtiOf(mti: Mti): RequestMti {
  if (typeof mti !== 'string' || mti.length !== 4) return '0800';
  const request = `${mti.slice(0, 2)}0${mti.slice(3)}`;
  return (['0100', '0200', '0400', '0500', '0800'].includes(request) ? request : '0800') as RequestMti;
}

export function buildResponse(request: IsoMessage, code: ResponseCode, extras: ResponseExtras = {}): IsoMessage {
  const requestMti = requestMtiOf(request.mti);
  const fields: MutableFields = {};
  const source = (request.fields ?? {}) as MutableFields;
  for (const field of echoed[requestMti]) {
    if (source[field] !== undefined) (fields as Record<number, unknown>)[field] = source[field];
  }
  Object.assign(fields, extras.fields ?? {});
  fields[39] = code;
  if (requestMti !== '0800' || code !== '00') fields[62] = extras.text ?? responseCodes[code].id;
  const tpdu = safeTpdu(request.tpdu);
  const response: IsoMessage = { tpdu, mti: responseMti(requestMti), fields };
  try {
    return encoded(response);
  } catch {
    const fallback: IsoMessage = {
      tpdu,
      mti: response.mti,
      fields: { ...placeholders[requestMti], 39: code, 62: responseCodes[code].id },
    };
    return encoded(fallback);
  }
}

/**
 * Each response buildResponse made -> its bytes. encode() validates the whole message and
 * checks that its bytes decode back to it; the link sends these bytes (encodedResponse) instead
 * of encoding the same message a second time. The message is frozen first, so the bytes can
 * never describe a message changed after they were made.
 */
const encodedBytes = new WeakMap<IsoMessage, Uint8Array>();

function encoded(response: IsoMessage): IsoMessage {
  const bytes = encode(response);
  deepFreeze(response);
  encodedBytes.set(response, bytes);
  return response;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

/** The bytes of a response buildResponse made (validated and round-trip checked), else undefined. */
export function encodedResponse(response: IsoMessage): Uint8Array | undefined {
  return encodedBytes.get(response);
}

function safeTpdu(tpdu: Tpdu | undefined): Tpdu {
  const valid = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;
  if (tpdu !== undefined && valid(tpdu.destination) && valid(tpdu.source)) return swapTpdu(tpdu);
  return { destination: 0, source: 0 };
}

/** Field 62 texts of the agent's own refusals (protocol/README.md Part 2 §10), from protocol's table. */
export const offlineLimitText = agentRefusalTexts.offlineLimit.id;
export const clockBehindText = agentRefusalTexts.clockBehind.id;
export const storageFaultText = agentRefusalTexts.storageFault.id;
export const ledgerDamagedText = agentRefusalTexts.ledgerDamaged.id;
export const busyText = agentRefusalTexts.busy.id;
