/**
 * Serial frame encoding: STX | LEN (2 bytes BCD) | payload | ETX | LRC, with LRC the XOR of
 * every byte from the first LEN byte through ETX inclusive.
 */
import {
  ETX,
  STX,
  checkIntegerOption,
  linkDefaults,
  serialFrameOverheadBytes,
  serialPayloadBytesCeiling,
} from './constants.ts';
import { ERR_FRAME_TOO_LARGE, assertLink } from './errors.ts';

/** XOR of bytes[start, end). */
export function computeLrc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let lrc = 0;
  for (let i = start; i < end; i++) lrc ^= bytes[i]!;
  return lrc;
}

/** Writes `length` (0..9999) as 4 BCD digits, most significant first: 150 -> 0x01 0x50. */
export function encodeLenBcd(length: number, out: Uint8Array, offset: number): void {
  assertLink(
    Number.isInteger(length) && length >= 0 && length <= serialPayloadBytesCeiling,
    'BCD length out of range',
    { length },
  );
  const d0 = Math.floor(length / 1000);
  const d1 = Math.floor(length / 100) % 10;
  const d2 = Math.floor(length / 10) % 10;
  const d3 = length % 10;
  out[offset] = (d0 << 4) | d1;
  out[offset + 1] = (d2 << 4) | d3;
}

/** Reads 2 BCD bytes as a length, or returns -1 when a nibble is above 9. */
export function decodeLenBcd(high: number, low: number): number {
  const d0 = high >> 4;
  const d1 = high & 0x0f;
  const d2 = low >> 4;
  const d3 = low & 0x0f;
  if (d0 > 9 || d1 > 9 || d2 > 9 || d3 > 9) return -1;
  return d0 * 1000 + d1 * 100 + d2 * 10 + d3;
}

export interface SerialEncodeOptions {
  /** Longest payload accepted, in bytes (at most 9999, what the BCD length can say). */
  payloadBytesMax?: number;
}

/**
 * Frames one payload for the serial link. Throws ERR_FRAME_TOO_LARGE for a payload over
 * payloadBytesMax. The result is checked against its own LRC and layout before it is returned,
 * pairing the encoder's assertion with the decoder's check on the other end of the wire.
 */
export function encodeSerialFrame(payload: Uint8Array, options: SerialEncodeOptions = {}): Uint8Array {
  const payloadBytesMax = checkIntegerOption(
    'payloadBytesMax',
    options.payloadBytesMax ?? linkDefaults.payloadBytesMax,
    1,
    serialPayloadBytesCeiling,
  );
  if (payload.length > payloadBytesMax) {
    throw new ERR_FRAME_TOO_LARGE(
      `Cannot encode serial frame: payload is ${payload.length} bytes, payloadBytesMax is ${payloadBytesMax}`,
      {
        payloadBytes: payload.length,
        payloadBytesMax,
      },
    );
  }
  const frame = new Uint8Array(payload.length + serialFrameOverheadBytes);
  frame[0] = STX;
  encodeLenBcd(payload.length, frame, 1);
  frame.set(payload, 3);
  const etxAt = 3 + payload.length;
  frame[etxAt] = ETX;
  frame[etxAt + 1] = computeLrc(frame, 1, etxAt + 1);
  assertSerialFrame(frame, payload.length);
  return frame;
}

/** The encoder's own-output check: layout, BCD length and LRC, computed afresh. */
function assertSerialFrame(frame: Uint8Array, payloadBytes: number): void {
  const etxAt = frame.length - 2;
  assertLink(frame[0] === STX && frame[etxAt] === ETX, 'encoded frame lacks STX or ETX', { frameBytes: frame.length });
  assertLink(decodeLenBcd(frame[1]!, frame[2]!) === payloadBytes, 'encoded BCD length does not read back', {
    payloadBytes,
  });
  let lrc = 0;
  for (let i = 1; i <= etxAt; i++) lrc ^= frame[i]!;
  assertLink(lrc === frame[etxAt + 1], 'encoded frame does not check against its own LRC', {
    lrc,
    found: frame[etxAt + 1],
  });
}
