/**
 * The serial link session: stop-and-wait delivery over a byte transport, for either end of the
 * line (the agent, or a terminal simulator). It owns a SerialFrameDecoder and two timers (ACK
 * wait, inter-byte) and nothing else: the transport is a write function and a receive() call.
 *
 * Sending: send() writes the frame and waits for ACK for ackWaitMs after the frame has left the
 * line (estimated from lineBytesPerSecond); NAK or silence means send again, at most triesMax
 * sends in all; then send() rejects with EDC_ERR_LINK_NAK_LIMIT (last answer was NAK) or
 * EDC_ERR_LINK_NO_ACK (last send met silence). One frame is in flight at a time.
 *
 * Receiving: a good frame is ACKed, then delivered to onMessage. A bad frame earns one NAK, sent
 * once the decoder is between frames again: one corrupted frame can produce several decoder
 * errors (its bytes are re-examined), and NAKing each would burn the sender's tries; a good
 * frame arriving meanwhile cancels the owed NAK, since in stop-and-wait it answers for the same
 * exchange. Garbage between frames is reported but not NAKed (noise must not start NAK storms).
 *
 * Duplicates: when our ACK is lost, the sender sends the same frame again. The link cannot tell
 * that from a new message with identical bytes, so it delivers the frame again with
 * possibleDuplicate = true (same bytes as the last delivery, within duplicateWindowMs). The
 * application decides, by terminal id + STAN + date, and answers a retransmitted request with
 * its original response.
 */
import type { LinkClock } from './clock.ts';
import { OneShotTimer, systemClock } from './clock.ts';
import { ACK, NAK, checkDurationOption, checkIntegerOption, checkRateOption, linkDefaults } from './constants.ts';
import type { EdcError } from '../errors.ts';
import {
  ERR_LINK_BUSY,
  ERR_LINK_CLOSED,
  ERR_LINK_HANDLER_FAILED,
  ERR_LINK_NAK_LIMIT,
  ERR_LINK_NO_ACK,
  ERR_LINK_WRITE_FAILED,
} from './errors.ts';
import type { SerialDecodeEvent, SerialDecoderStats } from './serial-decoder.ts';
import { SerialFrameDecoder } from './serial-decoder.ts';
import { encodeSerialFrame } from './serial-frame.ts';

export interface MessageInfo {
  /** Same bytes as the previous delivery, within duplicateWindowMs: probably a resend after a lost ACK. */
  readonly possibleDuplicate: boolean;
}

export interface SerialLinkSessionOptions {
  /** Hands bytes to the transport. Must not block; a throw fails the send (or is reported). */
  write: (bytes: Uint8Array) => void;
  /** A good frame's payload, already ACKed. */
  onMessage: (payload: Uint8Array, info: MessageInfo) => void;
  /** EOT or ENQ seen between frames; the link layer does not answer them. */
  onControl?: (control: 'EOT' | 'ENQ') => void;
  /** Frame errors, garbage, failed ACK/NAK writes and callback failures; the session goes on. */
  onError?: (error: EdcError) => void;
  ackWaitMs?: number;
  triesMax?: number;
  interByteTimeoutMs?: number;
  payloadBytesMax?: number;
  garbageRunBytesMax?: number;
  /** Line speed used to add the frame's transmit time to the ACK wait; Infinity adds none. */
  lineBytesPerSecond?: number;
  /** How long after a delivery an identical frame is flagged possibleDuplicate; default ackWaitMs x triesMax. */
  duplicateWindowMs?: number;
  clock?: LinkClock;
}

export interface SerialLinkStats {
  readonly sends: number;
  readonly resends: number;
  readonly acksReceived: number;
  readonly naksReceived: number;
  readonly ackTimeouts: number;
  readonly strayControls: number;
  readonly messagesDelivered: number;
  readonly duplicatesFlagged: number;
  readonly acksSent: number;
  readonly naksSent: number;
  readonly decoder: SerialDecoderStats;
}

interface PendingSend {
  readonly frame: Uint8Array;
  tries: number;
  naks: number;
  timeouts: number;
  readonly resolve: () => void;
  readonly reject: (error: EdcError) => void;
}

type Counters = { -readonly [K in Exclude<keyof SerialLinkStats, 'decoder'>]: number };

export class SerialLinkSession {
  readonly ackWaitMs: number;
  readonly triesMax: number;
  readonly lineBytesPerSecond: number;
  readonly duplicateWindowMs: number;
  private readonly options: SerialLinkSessionOptions;
  private readonly clock: LinkClock;
  private readonly decoder: SerialFrameDecoder;
  private readonly ackTimer: OneShotTimer;
  private readonly interByteTimer: OneShotTimer;
  private pending: PendingSend | undefined = undefined;
  private nakOwed = false;
  private lastDelivered: { payload: Uint8Array; atMs: number } | undefined = undefined;
  private readonly inbox: Uint8Array[] = [];
  private draining = false;
  private isClosed = false;
  private readonly counters: Counters = {
    sends: 0,
    resends: 0,
    acksReceived: 0,
    naksReceived: 0,
    ackTimeouts: 0,
    strayControls: 0,
    messagesDelivered: 0,
    duplicatesFlagged: 0,
    acksSent: 0,
    naksSent: 0,
  };

  constructor(options: SerialLinkSessionOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.ackWaitMs = checkDurationOption('ackWaitMs', options.ackWaitMs ?? linkDefaults.ackWaitMs);
    this.triesMax = checkIntegerOption('triesMax', options.triesMax ?? linkDefaults.triesMax, 1, 100);
    this.lineBytesPerSecond = checkRateOption(
      'lineBytesPerSecond',
      options.lineBytesPerSecond ?? linkDefaults.lineBytesPerSecond,
    );
    this.duplicateWindowMs = checkDurationOption(
      'duplicateWindowMs',
      options.duplicateWindowMs ?? this.ackWaitMs * this.triesMax,
    );
    this.decoder = new SerialFrameDecoder({
      payloadBytesMax: options.payloadBytesMax,
      interByteTimeoutMs: options.interByteTimeoutMs,
      garbageRunBytesMax: options.garbageRunBytesMax,
      nowMs: () => this.clock.nowMs(),
    });
    this.ackTimer = new OneShotTimer(this.clock);
    this.interByteTimer = new OneShotTimer(this.clock);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves once the peer ACKed the frame; rejects with a coded error (see the class comment). */
  async send(payload: Uint8Array): Promise<void> {
    if (this.isClosed) throw new ERR_LINK_CLOSED('Cannot send: the link session is closed');
    if (this.pending !== undefined) {
      throw new ERR_LINK_BUSY('Cannot send: a frame is still waiting for its ACK (one frame in flight)', {
        triesDone: this.pending.tries,
      });
    }
    const frame = encodeSerialFrame(payload, { payloadBytesMax: this.decoder.payloadBytesMax });
    await new Promise<void>((resolve, reject) => {
      this.pending = { frame, tries: 0, naks: 0, timeouts: 0, resolve, reject };
      this.transmit();
    });
  }

  /** Feeds bytes read from the transport. Never throws; outcomes go to the callbacks. */
  receive(bytes: Uint8Array): void {
    if (this.isClosed) return;
    // A write made while handling earlier bytes may bring the peer's answer back synchronously
    // (a loopback in tests): queue it so that events are handled in wire order.
    if (this.draining) {
      this.inbox.push(bytes.slice());
      return;
    }
    this.drain(this.decoder.push(bytes, this.clock.nowMs()));
  }

  /** Stops everything: timers cancelled, a waiting send rejected with EDC_ERR_LINK_CLOSED. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ackTimer.cancel();
    this.interByteTimer.cancel();
    this.decoder.reset();
    this.settle(new ERR_LINK_CLOSED('Send abandoned: the link session was closed while waiting for ACK'));
  }

  stats(): SerialLinkStats {
    return { ...this.counters, decoder: this.decoder.stats() };
  }

  /** One send of the pending frame. The ACK timer is armed before writing, as the ACK may come back inside write(). */
  private transmit(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    pending.tries++;
    this.counters.sends++;
    if (pending.tries > 1) this.counters.resends++;
    const lineMs = Number.isFinite(this.lineBytesPerSecond)
      ? (pending.frame.length * 1000) / this.lineBytesPerSecond
      : 0;
    this.ackTimer.arm(this.ackWaitMs + Math.ceil(lineMs), () => this.onAckTimeout());
    try {
      this.options.write(pending.frame);
    } catch (cause) {
      this.settle(
        new ERR_LINK_WRITE_FAILED(
          `Send failed: the transport refused the frame on try ${pending.tries}`,
          { tries: pending.tries },
          cause,
        ),
      );
    }
  }

  private onAckTimeout(): void {
    const pending = this.pending;
    if (pending === undefined || this.isClosed) return;
    pending.timeouts++;
    this.counters.ackTimeouts++;
    if (pending.tries < this.triesMax) return this.transmit();
    const message = `Send failed: no ACK within ${this.ackWaitMs} ms after try ${pending.tries} of ${this.triesMax}`;
    this.settle(new ERR_LINK_NO_ACK(message, { tries: pending.tries, naks: pending.naks, timeouts: pending.timeouts }));
  }

  private onNak(): void {
    this.counters.naksReceived++;
    const pending = this.pending;
    if (pending === undefined) {
      this.counters.strayControls++;
      return;
    }
    this.ackTimer.cancel();
    pending.naks++;
    if (pending.tries < this.triesMax) return this.transmit();
    const message = `Send failed: NAK after try ${pending.tries} of ${this.triesMax}`;
    this.settle(
      new ERR_LINK_NAK_LIMIT(message, { tries: pending.tries, naks: pending.naks, timeouts: pending.timeouts }),
    );
  }

  private onAck(): void {
    this.counters.acksReceived++;
    if (this.pending === undefined) this.counters.strayControls++;
    else this.settle(undefined);
  }

  /** Ends the pending send: resolved when `error` is undefined. */
  private settle(error: EdcError | undefined): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.ackTimer.cancel();
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  private handle(events: readonly SerialDecodeEvent[]): void {
    for (const event of events) {
      if (this.isClosed) return;
      if (event.type === 'frame') this.onFrame(event.payload);
      else if (event.type === 'error') this.onFrameError(event.error);
      else if (event.control === 'ACK') this.onAck();
      else if (event.control === 'NAK') this.onNak();
      else this.onOtherControl(event.control);
    }
    if (this.nakOwed && !this.decoder.inFrame && !this.isClosed) {
      this.nakOwed = false;
      this.counters.naksSent++;
      this.writeControl(NAK);
    }
  }

  private onOtherControl(control: 'EOT' | 'ENQ'): void {
    this.callback(() => this.options.onControl?.(control), 'onControl');
  }

  private onFrame(payload: Uint8Array): void {
    this.nakOwed = false;
    this.counters.acksSent++;
    this.writeControl(ACK);
    const nowMs = this.clock.nowMs();
    const last = this.lastDelivered;
    const possibleDuplicate =
      last !== undefined && nowMs - last.atMs <= this.duplicateWindowMs && sameBytes(last.payload, payload);
    this.lastDelivered = { payload, atMs: nowMs };
    this.counters.messagesDelivered++;
    if (possibleDuplicate) this.counters.duplicatesFlagged++;
    this.callback(() => this.options.onMessage(payload, { possibleDuplicate }), 'onMessage');
  }

  private onFrameError(error: EdcError): void {
    if (error.code !== 'EDC_ERR_FRAME_GARBAGE') this.nakOwed = true;
    this.report(error);
  }

  private writeControl(byte: number): void {
    try {
      this.options.write(Uint8Array.of(byte));
    } catch (cause) {
      this.report(
        new ERR_LINK_WRITE_FAILED(
          `Could not write ${byte === ACK ? 'ACK' : 'NAK'}: the transport refused it`,
          { byte },
          cause,
        ),
      );
    }
  }

  private callback(run: () => void, name: string): void {
    try {
      run();
    } catch (cause) {
      this.report(
        new ERR_LINK_HANDLER_FAILED(`The ${name} callback threw; the session goes on`, { callback: name }, cause),
      );
    }
  }

  private report(error: EdcError): void {
    try {
      this.options.onError?.(error);
    } catch {
      // onError is the last place to report to; a failure there must not stop the line.
    }
  }

  /** Handles events, then any bytes that arrived meanwhile, then re-arms the inter-byte timer. */
  private drain(events: readonly SerialDecodeEvent[]): void {
    this.draining = true;
    try {
      this.handle(events);
      for (let next = this.inbox.shift(); next !== undefined && !this.isClosed; next = this.inbox.shift()) {
        this.handle(this.decoder.push(next, this.clock.nowMs()));
      }
    } finally {
      this.inbox.length = 0;
      this.draining = false;
    }
    this.armInterByteTimer();
  }

  private armInterByteTimer(): void {
    const deadline = this.decoder.nextDeadlineMs();
    if (deadline === undefined || this.isClosed) {
      this.interByteTimer.cancel();
      return;
    }
    this.interByteTimer.arm(deadline - this.clock.nowMs(), () => {
      if (!this.isClosed) this.drain(this.decoder.poll(this.clock.nowMs()));
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
