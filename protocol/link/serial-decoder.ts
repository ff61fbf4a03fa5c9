/**
 * Streaming decoder for serial frames (STX | LEN BCD | payload | ETX | LRC).
 *
 * How it works. The decoder is a small state machine over one bounded buffer, `buf`, that holds
 * the current candidate frame starting at its STX:
 *
 *   hunting (filled = 0)      an STX starts a candidate; ACK/NAK/EOT/ENQ are reported as control
 *                             events; any other byte is garbage, counted into one run
 *   length  (filled 1..2)     the two BCD length bytes; a nibble above 9, or a length over
 *                             payloadBytesMax, ends the candidate (LEN_BCD, TOO_LARGE)
 *   body    (filled 3..end)   payload, then the byte that must be ETX (else NO_ETX), then LRC;
 *                             a whole frame whose LRC differs from the XOR of LEN..ETX is dropped
 *                             (LRC), one that matches is emitted
 *
 * Resynchronization. The first byte of a candidate is only *probably* an STX: a noise 0x02, or a
 * length corrupted upward, would otherwise swallow the good frames that follow. So when a
 * candidate fails on its structure (LEN_BCD, TOO_LARGE, NO_ETX) or times out, its bytes after
 * the STX are examined again, and the next STX among them starts a new candidate. A frame that
 * failed only its LRC had a sound structure, so its bytes are dropped whole: rescanning a real
 * payload would only invent frames out of payload bytes. Re-examined bytes are never taken as
 * ACK/NAK/EOT/ENQ: a 0x06 inside a broken frame is far likelier payload than an ACK, and a false
 * ACK loses a message while a missed one only costs a resend.
 *
 * Invariants. Never more than frameBytesMax (payloadBytesMax + 5) bytes are held; each failure
 * discards at least its STX, so re-examination always ends; no input makes push() throw; a frame
 * is emitted only after its LRC matched. Time is passed in (nowMs) so tests are deterministic.
 *
 * Cost. A byte is re-examined at most once per candidate that covered it, so the work per input
 * byte is bounded by frameBytesMax. Input crafted to fail late at every STX (02 20 47 repeated)
 * still decoded at about 80 KB/s on a busy shared core: far above the 960 B/s of a 9600-baud line,
 * which is what bounds the input. The TCP decoder never re-examines.
 */
import type { ControlName } from './constants.ts';
import {
  ETX,
  STX,
  checkDurationOption,
  checkIntegerOption,
  controlNames,
  linkDefaults,
  serialFrameOverheadBytes,
  serialPayloadBytesCeiling,
} from './constants.ts';
import type { EdcErrorConstructor } from '../errors.ts';
import type { FrameError, FrameErrorCode } from './errors.ts';
import {
  assertLink,
  ERR_FRAME_GARBAGE,
  ERR_FRAME_LEN_BCD,
  ERR_FRAME_LRC,
  ERR_FRAME_NO_ETX,
  ERR_FRAME_TIMEOUT,
  ERR_FRAME_TOO_LARGE,
  ERR_FRAME_TRUNCATED,
} from './errors.ts';
import { computeLrc, decodeLenBcd } from './serial-frame.ts';

/** What push(), poll() and finish() return, in wire order. */
export type SerialDecodeEvent =
  | { readonly type: 'frame'; readonly payload: Uint8Array }
  | { readonly type: 'control'; readonly control: ControlName; readonly byte: number }
  | { readonly type: 'error'; readonly error: FrameError };

export interface SerialDecoderOptions {
  /** Longest payload accepted, in bytes (1..9999). */
  payloadBytesMax?: number;
  /** A partial frame that sees no byte for this long is dropped (EDC_ERR_FRAME_TIMEOUT). */
  interByteTimeoutMs?: number;
  /** A garbage run is reported when it reaches this many bytes, so endless noise still shows. */
  garbageRunBytesMax?: number;
  /** Clock used when push()/poll() get no nowMs; monotonic milliseconds. */
  nowMs?: () => number;
}

export interface SerialDecoderStats {
  readonly framesOk: number;
  readonly controlBytes: number;
  readonly garbageBytes: number;
  readonly errors: Readonly<Partial<Record<FrameErrorCode, number>>>;
}

type FrameErrorCtor = EdcErrorConstructor<FrameErrorCode>;

export class SerialFrameDecoder {
  readonly payloadBytesMax: number;
  readonly frameBytesMax: number;
  readonly interByteTimeoutMs: number;
  readonly garbageRunBytesMax: number;
  private readonly now: () => number;
  private readonly buf: Uint8Array;
  private readonly scratch: Uint8Array;
  private filled = 0;
  private expected = 0;
  private garbageRun = 0;
  private lastByteAtMs = 0;
  private framesOk = 0;
  private controlBytes = 0;
  private garbageBytes = 0;
  private readonly errorCounts: Partial<Record<FrameErrorCode, number>> = {};
  /** Set by a step that ended the candidate on its structure; consume() reports and rescans. */
  private failure: FrameError | undefined = undefined;

  constructor(options: SerialDecoderOptions = {}) {
    this.payloadBytesMax = checkIntegerOption(
      'payloadBytesMax',
      options.payloadBytesMax ?? linkDefaults.payloadBytesMax,
      1,
      serialPayloadBytesCeiling,
    );
    this.frameBytesMax = this.payloadBytesMax + serialFrameOverheadBytes;
    this.interByteTimeoutMs = checkDurationOption(
      'interByteTimeoutMs',
      options.interByteTimeoutMs ?? linkDefaults.interByteTimeoutMs,
    );
    this.garbageRunBytesMax = checkIntegerOption(
      'garbageRunBytesMax',
      options.garbageRunBytesMax ?? linkDefaults.garbageRunBytesMax,
      1,
      2 ** 31,
    );
    this.now = options.nowMs ?? (() => performance.now());
    this.buf = new Uint8Array(this.frameBytesMax);
    this.scratch = new Uint8Array(this.frameBytesMax);
  }

  /** Feeds bytes as they arrived; a silence of interByteTimeoutMs before them expires first. */
  push(chunk: Uint8Array, nowMs: number = this.now()): SerialDecodeEvent[] {
    const events: SerialDecodeEvent[] = [];
    this.expire(nowMs, events);
    if (chunk.length > 0) {
      this.lastByteAtMs = nowMs;
      this.consume(chunk, 0, events);
    }
    return events;
  }

  /** For a caller's timer: drops a partial frame (and reports garbage) once the line is quiet. */
  poll(nowMs: number = this.now()): SerialDecodeEvent[] {
    const events: SerialDecodeEvent[] = [];
    this.expire(nowMs, events);
    return events;
  }

  /** The stream ended: a partial frame is reported as EDC_ERR_FRAME_TRUNCATED, garbage flushed. */
  finish(): SerialDecodeEvent[] {
    const events: SerialDecodeEvent[] = [];
    this.dropPartial(ERR_FRAME_TRUNCATED, events);
    this.flushGarbage(events);
    return events;
  }

  /** Forgets any partial frame and pending garbage without reporting them. */
  reset(): void {
    this.filled = 0;
    this.expected = 0;
    this.garbageRun = 0;
  }

  /** True while a candidate frame has started and not yet ended. */
  get inFrame(): boolean {
    return this.filled > 0;
  }

  get bufferedBytes(): number {
    return this.filled;
  }

  /** When poll() next has something to do, or undefined when nothing is pending. */
  nextDeadlineMs(): number | undefined {
    return this.filled > 0 || this.garbageRun > 0 ? this.lastByteAtMs + this.interByteTimeoutMs : undefined;
  }

  stats(): SerialDecoderStats {
    return {
      framesOk: this.framesOk,
      controlBytes: this.controlBytes,
      garbageBytes: this.garbageBytes,
      errors: { ...this.errorCounts },
    };
  }

  private expire(nowMs: number, events: SerialDecodeEvent[]): void {
    if (nowMs - this.lastByteAtMs < this.interByteTimeoutMs) return;
    this.dropPartial(ERR_FRAME_TIMEOUT, events);
    this.flushGarbage(events);
  }

  /**
   * Ends a partial frame (timeout or end of stream). Its bytes are re-examined, since a whole
   * frame may sit behind a false STX; a candidate still open after that is just as stale, so it
   * is dropped in turn. Each round removes at least one byte, so the loop ends.
   */
  private dropPartial(Ctor: FrameErrorCtor, events: SerialDecodeEvent[]): void {
    if (this.filled === 0) return;
    const why = Ctor === ERR_FRAME_TIMEOUT ? `no byte came for ${this.interByteTimeoutMs} ms` : 'the stream ended';
    const of = this.expected > 0 ? `${this.expected}` : 'an unread number of';
    const message = `Dropped partial serial frame: ${why} after ${this.filled} of ${of} bytes`;
    this.report(new Ctor(message, { bufferedBytes: this.filled, frameBytes: this.expected }), events);
    while (this.filled > 0) this.rescanPrefix(this.filled, events);
  }

  /** Sets buf[1, count) aside, forgets the candidate, and examines those bytes again. */
  private rescanPrefix(count: number, events: SerialDecodeEvent[]): void {
    const length = count - 1;
    this.scratch.set(this.buf.subarray(1, count), 0);
    this.filled = 0;
    this.expected = 0;
    this.consume(this.scratch.subarray(0, length), length, events);
  }

  /**
   * Runs the state machine over src. Bytes src[0, seenUntil) were already seen once (they are
   * being re-examined), so they are never taken as control bytes.
   */
  private consume(src: Uint8Array, seenUntil: number, events: SerialDecodeEvent[]): void {
    let start = -1; // index in src of the open candidate's STX; -1 when it began before src
    let i = 0;
    while (i < src.length) {
      if (this.filled === 0) {
        if (src[i] === STX) {
          this.flushGarbage(events);
          this.buf[0] = STX;
          this.filled = 1;
          start = i;
        } else {
          this.outsideFrame(src[i]!, i < seenUntil, events);
        }
        i++;
        continue;
      }
      i = this.expected === 0 ? this.stepLength(src, i) : this.stepBody(src, i, events);
      const failure = this.failure;
      if (failure === undefined) continue;
      this.failure = undefined;
      this.report(failure, events);
      seenUntil = Math.max(seenUntil, i);
      if (start >= 0) {
        // The candidate began in src: look again right after its STX.
        this.filled = 0;
        this.expected = 0;
        i = start + 1;
      } else {
        // It began before src: re-examine its earlier bytes (held in buf), then src from 0.
        // Never src = scratch here: a rescan starts with no candidate open, so its candidates begin in it.
        assertLink(src.buffer !== this.scratch.buffer, 'a candidate began before a rescan of the scratch buffer');
        this.rescanPrefix(this.filled - i, events);
        i = 0;
      }
      start = -1;
    }
  }

  /** One LEN byte; after the second, the length is checked. Returns the next index in src. */
  private stepLength(src: Uint8Array, i: number): number {
    this.buf[this.filled++] = src[i]!;
    if (this.filled < 3) return i + 1;
    const high = this.buf[1]!;
    const low = this.buf[2]!;
    const length = decodeLenBcd(high, low);
    const lenHex = hex2(high) + hex2(low);
    if (length < 0) {
      this.failure = new ERR_FRAME_LEN_BCD(
        `Dropped serial frame: length bytes ${lenHex} are not BCD (a nibble is above 9)`,
        { lenHex },
      );
    } else if (length > this.payloadBytesMax) {
      const message = `Dropped serial frame: length ${length} is over payloadBytesMax ${this.payloadBytesMax}`;
      this.failure = new ERR_FRAME_TOO_LARGE(message, { declaredBytes: length, payloadBytesMax: this.payloadBytesMax });
    } else {
      this.expected = length + serialFrameOverheadBytes;
    }
    return i + 1;
  }

  /**
   * Copies as much of the payload, ETX and LRC as src holds in one go (the hot path), stopping
   * exactly after a wrong ETX so that the failure point does not depend on chunking.
   */
  private stepBody(src: Uint8Array, i: number, events: SerialDecodeEvent[]): number {
    const before = this.filled;
    const take = Math.min(this.expected - before, src.length - i);
    const etxAt = this.expected - 2;
    if (before <= etxAt && before + take > etxAt && src[i + etxAt - before] !== ETX) {
      const found = src[i + etxAt - before]!;
      this.buf.set(src.subarray(i, i + etxAt - before + 1), before);
      this.filled = etxAt + 1;
      const message = `Dropped serial frame: expected ETX (03) after ${etxAt - 3} payload bytes, found ${hex2(found)}`;
      this.failure = new ERR_FRAME_NO_ETX(message, { payloadBytes: etxAt - 3, found });
      return i + etxAt - before + 1;
    }
    copyInto(this.buf, before, src, i, take);
    this.filled = before + take;
    if (this.filled === this.expected) this.closeFrame(events);
    return i + take;
  }

  /** A whole frame is in buf: emit its payload if the LRC matches, drop it otherwise. */
  private closeFrame(events: SerialDecodeEvent[]): void {
    const end = this.expected;
    const lrc = computeLrc(this.buf, 1, end - 1);
    const found = this.buf[end - 1]!;
    this.filled = 0;
    this.expected = 0;
    if (lrc !== found) {
      const message = `Dropped serial frame: LRC expected ${hex2(lrc)}, found ${hex2(found)}`;
      this.report(
        new ERR_FRAME_LRC(message, { expected: lrc, found, payloadBytes: end - serialFrameOverheadBytes }),
        events,
      );
      return;
    }
    this.framesOk++;
    events.push({ type: 'frame', payload: this.buf.slice(3, end - 2) });
  }

  private outsideFrame(byte: number, seen: boolean, events: SerialDecodeEvent[]): void {
    const control = seen ? undefined : controlNames.get(byte);
    if (control !== undefined) {
      this.flushGarbage(events);
      this.controlBytes++;
      events.push({ type: 'control', control, byte });
      return;
    }
    this.garbageRun++;
    this.garbageBytes++;
    if (this.garbageRun >= this.garbageRunBytesMax) this.flushGarbage(events);
  }

  /** Reports the pending run of garbage as one event. */
  private flushGarbage(events: SerialDecodeEvent[]): void {
    if (this.garbageRun === 0) return;
    const bytes = this.garbageRun;
    this.garbageRun = 0;
    this.report(
      new ERR_FRAME_GARBAGE(`Skipped ${bytes} byte(s) outside any frame that are neither STX nor a control byte`, {
        bytes,
      }),
      events,
    );
  }

  private report(error: FrameError, events: SerialDecodeEvent[]): void {
    this.errorCounts[error.code] = (this.errorCounts[error.code] ?? 0) + 1;
    events.push({ type: 'error', error });
  }
}

/** set(subarray()) for long runs; a plain loop for short ones, where a view per call costs more than the copy. */
function copyInto(target: Uint8Array, at: number, src: Uint8Array, from: number, count: number): void {
  if (count > 16) {
    target.set(src.subarray(from, from + count), at);
    return;
  }
  for (let k = 0; k < count; k++) target[at + k] = src[from + k]!;
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
