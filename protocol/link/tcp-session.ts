/**
 * The TCP link session: frames out, frames in, nothing more. TCP acknowledges and retransmits
 * by itself, so there is no ACK/NAK and no resend here. Any framing error is handed to onError;
 * since a TCP stream cannot resynchronize reliably, the owner should then close the connection
 * (and call close()). The inter-byte timer drops a frame the peer stopped sending halfway.
 */
import type { LinkClock } from './clock.ts';
import { OneShotTimer, systemClock } from './clock.ts';
import type { EdcError } from '../errors.ts';
import { ERR_LINK_CLOSED, ERR_LINK_HANDLER_FAILED, ERR_LINK_WRITE_FAILED } from './errors.ts';
import type { TcpDecodeEvent, TcpDecoderStats } from './tcp-decoder.ts';
import { TcpFrameDecoder } from './tcp-decoder.ts';
import { encodeTcpFrame } from './tcp-frame.ts';

export interface TcpLinkSessionOptions {
  write: (bytes: Uint8Array) => void;
  onMessage: (payload: Uint8Array) => void;
  /** Framing errors and callback failures; after a framing error, close the connection. */
  onError?: (error: EdcError) => void;
  payloadBytesMax?: number;
  interByteTimeoutMs?: number;
  clock?: LinkClock;
}

export class TcpLinkSession {
  private readonly options: TcpLinkSessionOptions;
  private readonly clock: LinkClock;
  private readonly decoder: TcpFrameDecoder;
  private readonly interByteTimer: OneShotTimer;
  private isClosed = false;

  constructor(options: TcpLinkSessionOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.decoder = new TcpFrameDecoder({
      payloadBytesMax: options.payloadBytesMax,
      interByteTimeoutMs: options.interByteTimeoutMs,
      nowMs: () => this.clock.nowMs(),
    });
    this.interByteTimer = new OneShotTimer(this.clock);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Writes one frame. Throws EDC_ERR_LINK_CLOSED, EDC_ERR_FRAME_LEN_ZERO, EDC_ERR_FRAME_TOO_LARGE or
   * EDC_ERR_LINK_WRITE_FAILED.
   */
  send(payload: Uint8Array): void {
    if (this.isClosed) throw new ERR_LINK_CLOSED('Cannot send: the TCP link session is closed');
    const frame = encodeTcpFrame(payload, { payloadBytesMax: this.decoder.payloadBytesMax });
    try {
      this.options.write(frame);
    } catch (cause) {
      throw new ERR_LINK_WRITE_FAILED(
        'Send failed: the transport refused the TCP frame',
        { frameBytes: frame.length },
        cause,
      );
    }
  }

  /** Feeds bytes read from the socket. Never throws; outcomes go to the callbacks. */
  receive(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.handle(this.decoder.push(bytes, this.clock.nowMs()));
  }

  /** The peer ended the stream: a partial frame is reported as EDC_ERR_FRAME_TRUNCATED. */
  end(): void {
    if (this.isClosed) return;
    this.handle(this.decoder.finish());
  }

  close(): void {
    this.isClosed = true;
    this.interByteTimer.cancel();
    this.decoder.reset();
  }

  stats(): TcpDecoderStats {
    return this.decoder.stats();
  }

  private handle(events: readonly TcpDecodeEvent[]): void {
    for (const event of events) {
      if (this.isClosed) return;
      if (event.type === 'frame') this.deliver(event.payload);
      else this.report(event.error);
    }
    const deadline = this.decoder.nextDeadlineMs();
    if (deadline === undefined || this.isClosed) {
      this.interByteTimer.cancel();
      return;
    }
    this.interByteTimer.arm(deadline - this.clock.nowMs(), () => {
      if (!this.isClosed) this.handle(this.decoder.poll(this.clock.nowMs()));
    });
  }

  private deliver(payload: Uint8Array): void {
    try {
      this.options.onMessage(payload);
    } catch (cause) {
      this.report(
        new ERR_LINK_HANDLER_FAILED(
          'The onMessage callback threw; the session goes on',
          { callback: 'onMessage' },
          cause,
        ),
      );
    }
  }

  private report(error: EdcError): void {
    try {
      this.options.onError?.(error);
    } catch {
      // onError is the last place to report to; a failure there must not stop the stream.
    }
  }
}
