/**
 * TCP framing: a 2-byte big-endian payload length, then the payload. TCP already delivers bytes
 * intact and in order, so there is no STX, LRC or ACK/NAK; what is left to guard is the length.
 */
import { checkIntegerOption, linkDefaults, tcpFrameOverheadBytes, tcpPayloadBytesCeiling } from './constants.ts';
import { ERR_FRAME_LEN_ZERO, ERR_FRAME_TOO_LARGE, assertLink } from './errors.ts';

export interface TcpEncodeOptions {
  /** Longest payload accepted, in bytes (at most 65535, what the prefix can say). */
  payloadBytesMax?: number;
}

/** Frames one payload for TCP. Throws ERR_FRAME_LEN_ZERO (empty) or ERR_FRAME_TOO_LARGE. */
export function encodeTcpFrame(payload: Uint8Array, options: TcpEncodeOptions = {}): Uint8Array {
  const payloadBytesMax = checkIntegerOption(
    'payloadBytesMax',
    options.payloadBytesMax ?? linkDefaults.payloadBytesMax,
    1,
    tcpPayloadBytesCeiling,
  );
  if (payload.length === 0) {
    throw new ERR_FRAME_LEN_ZERO('Cannot encode TCP frame: payload is empty, and a zero length is refused on the wire');
  }
  if (payload.length > payloadBytesMax) {
    throw new ERR_FRAME_TOO_LARGE(
      `Cannot encode TCP frame: payload is ${payload.length} bytes, payloadBytesMax is ${payloadBytesMax}`,
      {
        payloadBytes: payload.length,
        payloadBytesMax,
      },
    );
  }
  const frame = new Uint8Array(payload.length + tcpFrameOverheadBytes);
  frame[0] = payload.length >> 8;
  frame[1] = payload.length & 0xff;
  frame.set(payload, tcpFrameOverheadBytes);
  assertLink(((frame[0] << 8) | frame[1]) === payload.length, 'encoded TCP length does not read back', {
    payloadBytes: payload.length,
  });
  return frame;
}
