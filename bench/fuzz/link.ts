/**
 * Fuzz targets for the two streaming link decoders (protocol/link): SerialFrameDecoder (STX |
 * LEN | payload | ETX | LRC, with ACK/NAK/EOT/ENQ between frames) and TcpFrameDecoder (2-byte
 * length prefix). Each case builds a decoder with drawn limits, feeds it a stream in arbitrary
 * chunks on a simulated clock, then ends it (finish, or silence past the inter-byte timeout).
 * Checked: no throw but a typed EdcError; every error event a coded EDC_ERR_FRAME_* error; no
 * payload over the limit; never more than one frame's bytes held, and nothing held once the
 * stream ended; at most two events per byte (no event storm); and for clean streams, exactly
 * the frames that were sent, in order, with no error.
 */
import fc from 'fast-check';
import { isEdcError } from '../../protocol/errors.ts';
import { encodeSerialFrame, encodeTcpFrame, SerialFrameDecoder, TcpFrameDecoder } from '../../protocol/link/index.ts';
import { FuzzViolation, typedOutcome } from './harness.ts';
import { streams, type StreamCase } from './streams.ts';

type LinkEvent =
  | { readonly type: 'frame'; readonly payload: Uint8Array }
  | { readonly type: 'control'; readonly control: string }
  | { readonly type: 'error'; readonly error: unknown };

interface LinkDecoder {
  readonly payloadBytesMax: number;
  readonly bufferedBytes: number;
  push(chunk: Uint8Array, nowMs: number): readonly LinkEvent[];
  poll(nowMs: number): readonly LinkEvent[];
  finish(): readonly LinkEvent[];
}

interface LinkCase {
  readonly payloadBytesMax: number;
  readonly garbageRunBytesMax: number;
  readonly stream: StreamCase;
}

const serialTimeoutMs = 1_000;
const tcpTimeoutMs = 5_000;
const noSeparator = fc.constant(new Uint8Array(0));
const separators = fc.constantFrom(
  new Uint8Array(0),
  Uint8Array.of(0x06),
  Uint8Array.of(0x15),
  Uint8Array.of(0x04),
  Uint8Array.of(0x05),
);

export const serialCases: fc.Arbitrary<LinkCase> = fc.oneof(
  ...[16, 300, 2_048, 9_999].map((payloadBytesMax) =>
    fc
      .tuple(
        // One garbage event per byte (run max 1) is the costly case: drawn a tenth of the time.
        fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 9, arbitrary: fc.constantFrom(16, 1_024) }),
        streams((p) => encodeSerialFrame(p, { payloadBytesMax }), separators, payloadBytesMax, serialTimeoutMs - 1),
      )
      .map(([garbageRunBytesMax, stream]) => ({ payloadBytesMax, garbageRunBytesMax, stream })),
  ),
);

export const tcpCases: fc.Arbitrary<LinkCase> = fc.oneof(
  ...[16, 300, 2_048, 0xffff].map((payloadBytesMax) =>
    streams((p) => encodeTcpFrame(p, { payloadBytesMax }), noSeparator, payloadBytesMax, tcpTimeoutMs - 1).map(
      (stream) => ({ payloadBytesMax, garbageRunBytesMax: 1, stream }),
    ),
  ),
);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

class CaseRun {
  readonly outcomes: string[];
  readonly frames: Uint8Array[] = [];
  events = 0;
  errors = 0;

  constructor(
    private readonly decoder: LinkDecoder,
    private readonly frameBytesMax: number,
    kind: string,
  ) {
    this.outcomes = [`stream:${kind}`];
  }

  take(events: readonly LinkEvent[]): void {
    this.events += events.length;
    for (const event of events) {
      if (event.type === 'frame') {
        if (event.payload.length > this.decoder.payloadBytesMax)
          throw new FuzzViolation(`frame of ${event.payload.length} bytes over ${this.decoder.payloadBytesMax}`);
        this.frames.push(event.payload);
        this.outcomes.push('frame');
      } else if (event.type === 'control') this.outcomes.push(`control:${event.control}`);
      else if (isEdcError(event.error) && event.error.code.startsWith('EDC_ERR_FRAME_')) {
        this.errors++;
        this.outcomes.push(event.error.code);
      } else throw new FuzzViolation(`error event without a frame code: ${String(event.error)}`);
    }
    if (this.decoder.bufferedBytes > this.frameBytesMax)
      throw new FuzzViolation(`holds ${this.decoder.bufferedBytes} bytes, over one frame (${this.frameBytesMax})`);
  }

  /** Runs one decoder call; a typed throw is an outcome, anything else a crash. */
  call(run: () => readonly LinkEvent[]): void {
    let events: readonly LinkEvent[];
    try {
      events = run();
    } catch (error) {
      this.outcomes.push(`throw:${typedOutcome(error, ['EDC_ERR_LINK_INVARIANT'])}`);
      return;
    }
    this.take(events);
  }
}

function checkStream(decoder: LinkDecoder, frameBytesMax: number, stream: StreamCase, timeoutMs: number): string[] {
  const run = new CaseRun(decoder, frameBytesMax, stream.kind);
  let now = 0;
  let bytes = 0;
  for (const chunk of stream.chunks) {
    now += chunk.afterMs;
    bytes += chunk.bytes.length;
    run.call(() => decoder.push(chunk.bytes, now));
  }
  run.call(() => (stream.finish ? decoder.finish() : decoder.poll(now + timeoutMs)));
  if (decoder.bufferedBytes !== 0)
    throw new FuzzViolation(`still holds ${decoder.bufferedBytes} bytes after the stream ended`);
  if (run.events > 2 * bytes + 4) throw new FuzzViolation(`${run.events} events for ${bytes} bytes`);
  if (stream.expected !== undefined) {
    const same =
      run.frames.length === stream.expected.length && run.frames.every((f, i) => sameBytes(f, stream.expected![i]!));
    if (!same || run.errors > 0)
      throw new FuzzViolation(
        `clean stream of ${stream.expected.length} frame(s) decoded as ${run.frames.length}` +
          ` with ${run.errors} error(s)`,
      );
  }
  return run.outcomes;
}

export function checkSerial(c: LinkCase): string[] {
  const decoder = new SerialFrameDecoder({
    payloadBytesMax: c.payloadBytesMax,
    garbageRunBytesMax: c.garbageRunBytesMax,
    interByteTimeoutMs: serialTimeoutMs,
    nowMs: () => 0,
  });
  return checkStream(decoder, decoder.frameBytesMax, c.stream, serialTimeoutMs);
}

export function checkTcp(c: LinkCase): string[] {
  const decoder = new TcpFrameDecoder({
    payloadBytesMax: c.payloadBytesMax,
    interByteTimeoutMs: tcpTimeoutMs,
    nowMs: () => 0,
  });
  return checkStream(decoder, c.payloadBytesMax, c.stream, tcpTimeoutMs);
}
