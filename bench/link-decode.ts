/**
 * Link-layer decode throughput: frames per second through SerialFrameDecoder and
 * TcpFrameDecoder, for typical 150-byte payloads (an ISO 8583 0200 with track 2 and PIN block)
 * arriving in chunks. Each scenario runs once to warm up, then `repeats` times; the median, min
 * and max are reported, beside the same bytes' copy through Buffer.concat (a memcpy floor).
 *
 *   npx tsx bench/link-decode.ts [--quick]
 */
import { against, finish, sized, summarize, type Figure } from './harness.ts';
import { SerialFrameDecoder, TcpFrameDecoder, encodeSerialFrame, encodeTcpFrame } from '../protocol/link/index.ts';

interface Scenario {
  name: string;
  chunkBytes: number;
  makeWire: (payload: Uint8Array) => Uint8Array;
  makeDecoder: () => { push(chunk: Uint8Array, nowMs?: number): ReadonlyArray<{ type: string }> };
}

const payloadBytes = 150;
const framesCount = sized(20_000, 5_000, 1_000);
const repeats = sized(7, 5, 3);

const scenarios: Scenario[] = [
  // A 9600-baud line read by serialport typically yields a few dozen bytes per 'data' event.
  {
    name: 'serial, 32-byte chunks',
    chunkBytes: 32,
    makeWire: (p) => encodeSerialFrame(p),
    makeDecoder: () => new SerialFrameDecoder(),
  },
  {
    name: 'serial, 1-byte chunks (worst case)',
    chunkBytes: 1,
    makeWire: (p) => encodeSerialFrame(p),
    makeDecoder: () => new SerialFrameDecoder(),
  },
  // 1460 bytes: one Ethernet TCP segment.
  {
    name: 'tcp, 1460-byte chunks',
    chunkBytes: 1460,
    makeWire: (p) => encodeTcpFrame(p),
    makeDecoder: () => new TcpFrameDecoder(),
  },
  {
    name: 'tcp, 32-byte chunks',
    chunkBytes: 32,
    makeWire: (p) => encodeTcpFrame(p),
    makeDecoder: () => new TcpFrameDecoder(),
  },
];

/** Deterministic payloads (a simple LCG), so every run decodes the same bytes. */
function payloads(): Uint8Array[] {
  let seed = 0x5eed;
  return Array.from({ length: framesCount }, () =>
    Uint8Array.from({ length: payloadBytes }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    }),
  );
}

function chunk(wire: Uint8Array, chunkBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < wire.length; at += chunkBytes) chunks.push(wire.subarray(at, at + chunkBytes));
  return chunks;
}

/** One timed pass: returns frames per second, and fails loudly if a frame went missing. */
function runOnce(scenario: Scenario, chunks: readonly Uint8Array[]): number {
  const decoder = scenario.makeDecoder();
  let frames = 0;
  const started = performance.now();
  for (const piece of chunks) {
    for (const event of decoder.push(piece, 0)) if (event.type === 'frame') frames++;
  }
  const elapsedMs = performance.now() - started;
  if (frames !== framesCount) throw new Error(`${scenario.name}: decoded ${frames} frames, expected ${framesCount}`);
  return (frames * 1000) / elapsedMs;
}

/** Baseline: chunks copied into one buffer, frames per second at the same framing (memcpy floor). */
function copyRate(chunks: readonly Uint8Array[]): number {
  const started = performance.now();
  const all = Buffer.concat(chunks);
  if (all.length === 0) throw new Error('nothing copied');
  return (framesCount * 1000) / (performance.now() - started);
}

function main(): void {
  const all = payloads();
  const figures: Figure[] = [];
  for (const scenario of scenarios) {
    const wire = Buffer.concat(all.map(scenario.makeWire));
    const chunks = chunk(new Uint8Array(wire.buffer, wire.byteOffset, wire.length), scenario.chunkBytes);
    runOnce(scenario, chunks); // warm-up: let the JIT settle before timing
    const copy = summarize(
      `${scenario.name}: copy chunks (Buffer.concat)`,
      'frames/s',
      Array.from({ length: repeats }, () => copyRate(chunks)),
    );
    const decode = summarize(
      `${scenario.name}: decode`,
      'frames/s',
      Array.from({ length: repeats }, () => runOnce(scenario, chunks)),
    );
    figures.push(copy, against(decode, copy));
  }
  finish(
    'link-decode',
    `Link decode: ${framesCount} frames of ${payloadBytes}-byte payloads, ${repeats} repeats`,
    figures,
  );
}

main();
