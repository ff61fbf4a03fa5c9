/**
 * The link layer's coded errors: one constructor per condition, so a caller branches on
 * `err.code` and the spec (protocol/README.md (Part 1)) lists exactly these codes (a test holds the
 * two equal). Frame errors are reported by the decoders as events, never thrown; session errors
 * reject `send()` or reach the session's `onError`.
 */
import { defineError } from '../errors.ts';
import type { EdcError } from '../errors.ts';

export const ERR_FRAME_LRC = defineError(
  'EDC_ERR_FRAME_LRC',
  'A serial frame arrived whole (STX, BCD length, ETX in place) ' +
    'but its LRC byte does not equal the XOR of LEN..ETX; the frame is dropped.',
);
export const ERR_FRAME_LEN_BCD = defineError(
  'EDC_ERR_FRAME_LEN_BCD',
  'A serial frame length byte holds a nibble above 9, so it is not BCD; ' +
    'the decoder resynchronizes on the next STX after the bad one.',
);
export const ERR_FRAME_LEN_ZERO = defineError(
  'EDC_ERR_FRAME_LEN_ZERO',
  'A TCP frame declares a zero-length payload (or an empty payload was given to the TCP encoder).',
);
export const ERR_FRAME_TOO_LARGE = defineError(
  'EDC_ERR_FRAME_TOO_LARGE',
  'A frame declares (or an encoder was given) a payload longer than payloadBytesMax.',
);
export const ERR_FRAME_NO_ETX = defineError(
  'EDC_ERR_FRAME_NO_ETX',
  'The byte after the declared payload of a serial frame is not ETX; ' +
    'the decoder resynchronizes on the next STX after the bad one.',
);
export const ERR_FRAME_TIMEOUT = defineError(
  'EDC_ERR_FRAME_TIMEOUT',
  'A partial frame saw no byte for interByteTimeoutMs or more; its bytes are dropped.',
);
export const ERR_FRAME_GARBAGE = defineError(
  'EDC_ERR_FRAME_GARBAGE',
  'Bytes outside any frame that are neither STX nor a control byte were skipped; one event reports a whole run.',
);
export const ERR_FRAME_TRUNCATED = defineError(
  'EDC_ERR_FRAME_TRUNCATED',
  'The byte stream ended (finish() was called) in the middle of a frame; its bytes are dropped.',
);
export const ERR_LINK_NO_ACK = defineError(
  'EDC_ERR_LINK_NO_ACK',
  'send() gave up: the last of triesMax sends of a frame met no ACK within the ACK wait.',
  504,
);
export const ERR_LINK_NAK_LIMIT = defineError(
  'EDC_ERR_LINK_NAK_LIMIT',
  'send() gave up: the last of triesMax sends of a frame was answered with NAK.',
  502,
);
export const ERR_LINK_BUSY = defineError(
  'EDC_ERR_LINK_BUSY',
  'send() was called while another frame still waits for its ACK (the link is stop-and-wait: one frame in flight).',
  409,
);
export const ERR_LINK_CLOSED = defineError(
  'EDC_ERR_LINK_CLOSED',
  'send() was called on a closed session, or the session was closed while a send was waiting for its ACK.',
  503,
);
export const ERR_LINK_WRITE_FAILED = defineError(
  'EDC_ERR_LINK_WRITE_FAILED',
  'The transport write function threw while sending a frame, an ACK or a NAK.',
  502,
);
export const ERR_LINK_HANDLER_FAILED = defineError(
  'EDC_ERR_LINK_HANDLER_FAILED',
  'The onMessage or onControl callback threw; the frame had already been ACKed, and the session goes on.',
  500,
);
export const ERR_LINK_OPTIONS = defineError(
  'EDC_ERR_LINK_OPTIONS',
  'A link option is out of range ' +
    '(for example triesMax below 1 or payloadBytesMax above what the length field can say).',
);
export const ERR_LINK_INVARIANT = defineError(
  'EDC_ERR_LINK_INVARIANT',
  'An internal assertion of the link layer failed ' +
    '(for example an encoded frame that does not check against its own LRC): a bug, never bad input.',
  500,
);

/** Every link-layer error constructor, keyed by a short name; each carries code and description. */
export const linkErrors = Object.freeze({
  ERR_FRAME_LRC,
  ERR_FRAME_LEN_BCD,
  ERR_FRAME_LEN_ZERO,
  ERR_FRAME_TOO_LARGE,
  ERR_FRAME_NO_ETX,
  ERR_FRAME_TIMEOUT,
  ERR_FRAME_GARBAGE,
  ERR_FRAME_TRUNCATED,
  ERR_LINK_NO_ACK,
  ERR_LINK_NAK_LIMIT,
  ERR_LINK_BUSY,
  ERR_LINK_CLOSED,
  ERR_LINK_WRITE_FAILED,
  ERR_LINK_HANDLER_FAILED,
  ERR_LINK_OPTIONS,
  ERR_LINK_INVARIANT,
});

/** Codes a decoder reports as events (never thrown). */
export type FrameErrorCode =
  | typeof ERR_FRAME_LRC.code
  | typeof ERR_FRAME_LEN_BCD.code
  | typeof ERR_FRAME_LEN_ZERO.code
  | typeof ERR_FRAME_TOO_LARGE.code
  | typeof ERR_FRAME_NO_ETX.code
  | typeof ERR_FRAME_TIMEOUT.code
  | typeof ERR_FRAME_GARBAGE.code
  | typeof ERR_FRAME_TRUNCATED.code;

export type FrameError = EdcError & { readonly code: FrameErrorCode };

/** Throws ERR_LINK_INVARIANT when `condition` is false: for states that only a bug can reach. */
export function assertLink(
  condition: boolean,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): asserts condition {
  if (!condition) throw new ERR_LINK_INVARIANT(`Link invariant broken: ${message}`, details);
}
