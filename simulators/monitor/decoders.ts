/**
 * The monitor's view of a line: one streaming frame decoder of protocol/link per stream (a tap
 * device, or one direction of one TCP connection), fed with bytes and their arrival times, turned
 * into events: frames (with the LRC and the decoded message), ACK/NAK/EOT/ENQ, and framing errors
 * (bad LRC, garbage, truncated, oversize, inter-byte timeout), each with its time and direction.
 * The decoders are the receivers' own, with the same limits, so the monitor reports what the
 * receiving side saw.
 *
 * Time. Everything runs on the times given (monotonic: a time earlier than the last is taken as
 * the last), never on a clock of its own, so a capture replayed gives the same events as the
 * live run that recorded it: an inter-byte timeout is reported at its deadline, before any byte
 * that arrived after the deadline, whether a timer (live) or the next record (replay) found it.
 *
 * Direction. A tap per direction, or each direction of a TCP connection, knows who sent what. A
 * merged tap (both directions on one device) guesses: a frame whose MTI is a response (third
 * digit 1, e.g. 0210) came from the agent, a request from the terminal; an ACK or NAK answers the
 * last frame, so it came from the other side (unknown after a damaged frame, whose sender is not
 * known); anything else is `unknown`.
 */
import type { ControlName } from '../../protocol/link/constants.ts';
import { computeLrc, encodeLenBcd } from '../../protocol/link/serial-frame.ts';
import { SerialFrameDecoder } from '../../protocol/link/serial-decoder.ts';
import { TcpFrameDecoder } from '../../protocol/link/tcp-decoder.ts';
import { linkDefaults } from '../../protocol/link/constants.ts';
import { ERR_SIM_MONITOR_SOURCE } from '../errors.ts';
import { describePayload, scrub, type DescribedMessage } from './describe.ts';

export type LinkKind = 'serial' | 'tcp';
/** Which bytes a stream carries: one direction, or both (a merged serial tap). */
export type StreamSide = 'terminal>agent' | 'agent>terminal' | 'merged';
export type Direction = 'terminal>agent' | 'agent>terminal' | 'unknown';

interface EventBase {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly link: LinkKind;
  /** TCP connection number (1, 2, ...); absent on serial. */
  readonly conn?: number;
  readonly dir: Direction;
}

export type MonitorEvent =
  | (EventBase & {
      readonly kind: 'frame';
      readonly bytes: number;
      /** Serial: the frame's LRC byte in hex; the frame was delivered, so it checked. */
      readonly lrc?: string;
      readonly message: DescribedMessage;
    })
  | (EventBase & { readonly kind: 'control'; readonly control: ControlName })
  | (EventBase & { readonly kind: 'error'; readonly code: string; readonly detail: string })
  | (EventBase & { readonly kind: 'open' | 'close'; readonly detail: string });

export interface DecoderLimits {
  /** Longest payload accepted, bytes (the receivers' payloadBytesMax). */
  readonly payloadBytesMax: number;
}

/** Streams decoded at once: two per TCP connection. */
export const streamsMax = 512;

type Decoder = SerialFrameDecoder | TcpFrameDecoder;
type DecodeEvent = ReturnType<Decoder['push']>[number];

interface Stream {
  readonly key: string;
  readonly side: StreamSide;
  readonly conn: number | undefined;
  readonly decoder: Decoder;
}

function lrcOf(payload: Uint8Array): string {
  const covered = new Uint8Array(payload.length + 3);
  encodeLenBcd(payload.length, covered, 0);
  covered.set(payload, 2);
  covered[covered.length - 1] = 0x03;
  return computeLrc(covered).toString(16).toUpperCase().padStart(2, '0');
}

/** Request or response, from the MTI's BCD digits at bytes 5-6 (after the TPDU). */
function senderOf(payload: Uint8Array): Direction {
  const digit = payload.length >= 7 ? (payload[6]! >> 4) & 0x0f : -1;
  return digit === 1 ? 'agent>terminal' : digit === 0 ? 'terminal>agent' : 'unknown';
}

const opposite: Record<Direction, Direction> = {
  'terminal>agent': 'agent>terminal',
  'agent>terminal': 'terminal>agent',
  unknown: 'unknown',
};

export class LineDecoders {
  private readonly streams = new Map<string, Stream>();
  private readonly lastFrameFrom = new Map<number | undefined, Direction>();
  private lastT = 0;

  constructor(
    private readonly link: LinkKind,
    private readonly limits: DecoderLimits,
    private readonly emit: (event: MonitorEvent) => void,
  ) {}

  private at(t: number): number {
    this.lastT = Math.max(this.lastT, t);
    return this.lastT;
  }

  private stream(side: StreamSide, conn: number | undefined): Stream | undefined {
    const key = `${conn ?? 0}:${side}`;
    const existing = this.streams.get(key);
    if (existing !== undefined || this.streams.size >= streamsMax) return existing;
    const decoder =
      this.link === 'serial'
        ? new SerialFrameDecoder({ payloadBytesMax: this.limits.payloadBytesMax, nowMs: () => this.lastT })
        : new TcpFrameDecoder({
            payloadBytesMax: this.limits.payloadBytesMax,
            interByteTimeoutMs: linkDefaults.tcpInterByteTimeoutMs,
            nowMs: () => this.lastT,
          });
    const created = { key, side, conn, decoder };
    this.streams.set(key, created);
    return created;
  }

  /** Bytes that arrived at time t on one stream. */
  feed(side: StreamSide, conn: number | undefined, t: number, bytes: Uint8Array): void {
    const now = this.at(t);
    this.tick(now);
    const stream = this.stream(side, conn);
    if (stream === undefined) {
      const detail = `more than ${streamsMax} streams at once: these bytes are not decoded`;
      this.emit({
        t: now,
        link: this.link,
        conn,
        dir: 'unknown',
        kind: 'error',
        code: ERR_SIM_MONITOR_SOURCE.code,
        detail,
      });
      return;
    }
    this.report(stream, now, stream.decoder.push(bytes, now));
  }

  /** Reports the inter-byte timeouts whose deadline is at or before t, each at its deadline. */
  tick(t: number): void {
    const now = this.at(t);
    for (let rounds = 0; rounds < 4 * streamsMax; rounds++) {
      let due: { stream: Stream; deadline: number } | undefined;
      for (const stream of this.streams.values()) {
        const deadline = stream.decoder.nextDeadlineMs();
        if (deadline !== undefined && deadline <= now && (due === undefined || deadline < due.deadline))
          due = { stream, deadline };
      }
      if (due === undefined) return;
      this.report(due.stream, due.deadline, due.stream.decoder.poll(due.deadline));
    }
  }

  /** When tick() next has something to report, or undefined. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const stream of this.streams.values()) {
      const deadline = stream.decoder.nextDeadlineMs();
      if (deadline !== undefined && (next === undefined || deadline < next)) next = deadline;
    }
    return next;
  }

  /** A TCP connection opened. */
  open(conn: number, t: number, detail: string): void {
    const now = this.at(t);
    this.tick(now);
    this.emit({ t: now, link: this.link, conn, dir: 'unknown', kind: 'open', detail });
  }

  /** A connection closed (or, conn undefined, every stream ends): partial frames are reported. */
  close(conn: number | undefined, t: number, detail: string): void {
    const now = this.at(t);
    this.tick(now);
    for (const stream of [...this.streams.values()]) {
      if (conn !== undefined && stream.conn !== conn) continue;
      this.report(stream, now, stream.decoder.finish());
      this.streams.delete(stream.key);
    }
    if (conn !== undefined) this.emit({ t: now, link: this.link, conn, dir: 'unknown', kind: 'close', detail });
  }

  private report(stream: Stream, t: number, events: DecodeEvent[]): void {
    const base = { t, link: this.link, ...(stream.conn === undefined ? {} : { conn: stream.conn }) };
    for (const event of events) {
      if (event.type === 'frame') {
        const dir = stream.side === 'merged' ? senderOf(event.payload) : stream.side;
        this.lastFrameFrom.set(stream.conn, dir);
        const lrc = this.link === 'serial' ? { lrc: lrcOf(event.payload) } : {};
        const message = describePayload(event.payload);
        this.emit({ ...base, dir, kind: 'frame', bytes: event.payload.length, ...lrc, message });
      } else if (event.type === 'control') {
        const answered = this.lastFrameFrom.get(stream.conn) ?? 'unknown';
        const guess = event.control === 'ACK' || event.control === 'NAK' ? opposite[answered] : 'unknown';
        const dir = stream.side === 'merged' ? guess : stream.side;
        this.emit({ ...base, dir, kind: 'control', control: event.control });
      } else {
        // A damaged frame's sender is unknown, so the ACK or NAK after it cannot be attributed.
        if (stream.side === 'merged') this.lastFrameFrom.set(stream.conn, 'unknown');
        const dir = stream.side === 'merged' ? 'unknown' : stream.side;
        this.emit({ ...base, dir, kind: 'error', code: event.error.code, detail: scrub(event.error.message) });
      }
    }
  }
}
