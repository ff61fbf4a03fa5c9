/**
 * Streaming decoder for TCP frames (2-byte big-endian length + payload).
 *
 * States: `prefix` (0..2 length bytes read), `body` (payload bytes being gathered into a buffer
 * of payloadBytesMax), `discard` (skipping the payload of a frame declared too large, without
 * buffering it). A length prefix keeps its place in the stream even when it is refused, so a
 * zero length (EDC_ERR_FRAME_LEN_ZERO) or an oversize one (EDC_ERR_FRAME_TOO_LARGE, whose
 * payload is skipped byte-count-wise) does not lose framing. A timeout or truncation does: the
 * missing bytes may still come, and nothing in a TCP frame marks its start. After any error the
 * peer is not speaking the protocol correctly, and TcpLinkSession hands the error to its owner,
 * which should close the connection.
 */
import { checkDurationOption, checkIntegerOption, linkDefaults, tcpPayloadBytesCeiling } from './constants.ts';
import type { FrameError, FrameErrorCode } from './errors.ts';
import { ERR_FRAME_LEN_ZERO, ERR_FRAME_TIMEOUT, ERR_FRAME_TOO_LARGE, ERR_FRAME_TRUNCATED } from './errors.ts';

export type TcpDecodeEvent =
  { readonly type: 'frame'; readonly payload: Uint8Array } | { readonly type: 'error'; readonly error: FrameError };

export interface TcpDecoderOptions {
  /** Longest payload accepted, in bytes (1..65535). */
  payloadBytesMax?: number;
  /** A partial frame that sees no byte for this long is dropped (EDC_ERR_FRAME_TIMEOUT). */
  interByteTimeoutMs?: number;
  /** Clock used when push()/poll() get no nowMs; monotonic milliseconds. */
  nowMs?: () => number;
}

export interface TcpDecoderStats {
  readonly framesOk: number;
  readonly discardedBytes: number;
  readonly errors: Readonly<Partial<Record<FrameErrorCode, number>>>;
}

export class TcpFrameDecoder {
  readonly payloadBytesMax: number;
  readonly interByteTimeoutMs: number;
  private readonly now: () => number;
  private readonly buf: Uint8Array;
  private prefixFilled = 0;
  private prefixHigh = 0;
  private expected = 0; // payload bytes of the frame in `body`, 0 in `prefix`
  private filled = 0;
  private discardLeft = 0;
  private lastByteAtMs = 0;
  private framesOk = 0;
  private discardedBytes = 0;
  private readonly errorCounts: Partial<Record<FrameErrorCode, number>> = {};

  constructor(options: TcpDecoderOptions = {}) {
    this.payloadBytesMax = checkIntegerOption(
      'payloadBytesMax',
      options.payloadBytesMax ?? linkDefaults.payloadBytesMax,
      1,
      tcpPayloadBytesCeiling,
    );
    this.interByteTimeoutMs = checkDurationOption(
      'interByteTimeoutMs',
      options.interByteTimeoutMs ?? linkDefaults.tcpInterByteTimeoutMs,
    );
    this.now = options.nowMs ?? (() => performance.now());
    this.buf = new Uint8Array(this.payloadBytesMax);
  }

  /** Feeds bytes as they arrived; a silence of interByteTimeoutMs before them expires first. */
  push(chunk: Uint8Array, nowMs: number = this.now()): TcpDecodeEvent[] {
    const events: TcpDecodeEvent[] = [];
    this.expire(nowMs, events);
    if (chunk.length === 0) return events;
    this.lastByteAtMs = nowMs;
    let i = 0;
    while (i < chunk.length) {
      if (this.discardLeft > 0) i = this.stepDiscard(chunk, i);
      else if (this.expected > 0) i = this.stepBody(chunk, i, events);
      else this.stepPrefix(chunk[i++]!, events);
    }
    return events;
  }

  /** For a caller's timer: drops a partial frame once the line has been quiet long enough. */
  poll(nowMs: number = this.now()): TcpDecodeEvent[] {
    const events: TcpDecodeEvent[] = [];
    this.expire(nowMs, events);
    return events;
  }

  /** The stream ended: a partial frame is reported as EDC_ERR_FRAME_TRUNCATED. */
  finish(): TcpDecodeEvent[] {
    const events: TcpDecodeEvent[] = [];
    if (this.inFrame)
      this.dropPartial(
        new ERR_FRAME_TRUNCATED(
          `Dropped partial TCP frame: the stream ended ${this.progress()}`,
          this.partialDetails(),
        ),
        events,
      );
    return events;
  }

  reset(): void {
    this.prefixFilled = 0;
    this.expected = 0;
    this.filled = 0;
    this.discardLeft = 0;
  }

  get inFrame(): boolean {
    return this.prefixFilled > 0 || this.expected > 0 || this.discardLeft > 0;
  }

  get bufferedBytes(): number {
    return this.filled;
  }

  nextDeadlineMs(): number | undefined {
    return this.inFrame ? this.lastByteAtMs + this.interByteTimeoutMs : undefined;
  }

  stats(): TcpDecoderStats {
    return { framesOk: this.framesOk, discardedBytes: this.discardedBytes, errors: { ...this.errorCounts } };
  }

  private expire(nowMs: number, events: TcpDecodeEvent[]): void {
    if (!this.inFrame || nowMs - this.lastByteAtMs < this.interByteTimeoutMs) return;
    const message = `Dropped partial TCP frame: no byte came for ${this.interByteTimeoutMs} ms ${this.progress()}`;
    this.dropPartial(new ERR_FRAME_TIMEOUT(message, this.partialDetails()), events);
  }

  private progress(): string {
    if (this.discardLeft > 0) return `while skipping an oversize payload (${this.discardLeft} bytes left)`;
    if (this.expected > 0) return `after ${this.filled} of ${this.expected} payload bytes`;
    return 'after 1 of 2 length bytes';
  }

  private partialDetails(): Record<string, number> {
    return { bufferedBytes: this.filled, payloadBytes: this.expected, discardLeftBytes: this.discardLeft };
  }

  private dropPartial(error: FrameError, events: TcpDecodeEvent[]): void {
    this.discardedBytes += this.filled;
    this.reset();
    this.report(error, events);
  }

  private stepPrefix(byte: number, events: TcpDecodeEvent[]): void {
    if (this.prefixFilled === 0) {
      this.prefixHigh = byte;
      this.prefixFilled = 1;
      return;
    }
    this.prefixFilled = 0;
    const length = (this.prefixHigh << 8) | byte;
    if (length === 0) {
      this.report(
        new ERR_FRAME_LEN_ZERO('Dropped TCP frame: length prefix is 0000, an empty frame is refused'),
        events,
      );
    } else if (length > this.payloadBytesMax) {
      const message =
        `Dropped TCP frame: length ${length} is over payloadBytesMax ${this.payloadBytesMax}; ` +
        'its payload is skipped';
      this.report(
        new ERR_FRAME_TOO_LARGE(message, { declaredBytes: length, payloadBytesMax: this.payloadBytesMax }),
        events,
      );
      this.discardLeft = length;
    } else {
      this.expected = length;
      this.filled = 0;
    }
  }

  private stepBody(chunk: Uint8Array, i: number, events: TcpDecodeEvent[]): number {
    const take = Math.min(this.expected - this.filled, chunk.length - i);
    this.buf.set(chunk.subarray(i, i + take), this.filled);
    this.filled += take;
    if (this.filled === this.expected) {
      events.push({ type: 'frame', payload: this.buf.slice(0, this.expected) });
      this.framesOk++;
      this.expected = 0;
      this.filled = 0;
    }
    return i + take;
  }

  private stepDiscard(chunk: Uint8Array, i: number): number {
    const take = Math.min(this.discardLeft, chunk.length - i);
    this.discardLeft -= take;
    this.discardedBytes += take;
    return i + take;
  }

  private report(error: FrameError, events: TcpDecodeEvent[]): void {
    this.errorCounts[error.code] = (this.errorCounts[error.code] ?? 0) + 1;
    events.push({ type: 'error', error });
  }
}
