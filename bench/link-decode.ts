/**
 * Link-layer decode throughput: frames per second through SerialFrameDecoder and
 * TcpFrameDecoder, for typical 150-byte payloads (an ISO 8583 0200 with track 2 and PIN block)
 * arriving in chunks. Each scenario runs once to warm up, then `repeats` times; the median, min
 * and max are reported, as a table and as one JSON line for tooling.
 *
 *   npx tsx bench/link-decode.ts [--frames 20000] [--repeats 7]
 */
import { SerialFrameDecoder, TcpFrameDecoder, encodeSerialFrame, encodeTcpFrame } from '../protocol/link/index.ts';

interface Scenario {
  name: string;
  chunkBytes: number;
  makeWire: (payload: Uint8Array) => Uint8Array;
  makeDecoder: () => { push(chunk: Uint8Array, nowMs?: number): ReadonlyArray<{ type: string }> };
}

const payloadBytes = 150;
const framesCount = numberArg('--frames', 20_000);
const repeats = Math.max(5, numberArg('--repeats', 7));

const scenarios: Scenario[] = [
  // A 9600-baud line read by serialport typically yields a few dozen bytes per 'data' event.
  { name: 'serial, 32-byte chunks', chunkBytes: 32, makeWire: (p) => encodeSerialFrame(p), makeDecoder: () => new SerialFrameDecoder() },
  { name: 'serial, 1-byte chunks (worst case)', chunkBytes: 1, makeWire: (p) => encodeSerialFrame(p), makeDecoder: () => new SerialFrameDecoder() },
  // 1460 bytes: one Ethernet TCP segment.
  { name: 'tcp, 1460-byte chunks', chunkBytes: 1460, makeWire: (p) => encodeTcpFrame(p), makeDecoder: () => new TcpFrameDecoder() },
  { name: 'tcp, 32-byte chunks', chunkBytes: 32, makeWire: (p) => encodeTcpFrame(p), makeDecoder: () => new TcpFrameDecoder() },
];

function numberArg(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

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

function main(): void {
  const all = payloads();
  const results = scenarios.map((scenario) => {
    const wire = Buffer.concat(all.map(scenario.makeWire));
    const chunks = chunk(new Uint8Array(wire.buffer, wire.byteOffset, wire.length), scenario.chunkBytes);
    runOnce(scenario, chunks); // warm-up: let the JIT settle before timing
    const rates = Array.from({ length: repeats }, () => runOnce(scenario, chunks)).sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)]!;
    return {
      scenario: scenario.name,
      framesPerSecondMedian: Math.round(median),
      framesPerSecondMin: Math.round(rates[0]!),
      framesPerSecondMax: Math.round(rates[rates.length - 1]!),
      megabytesPerSecondMedian: Number(((median * wire.length) / framesCount / 1e6).toFixed(1)),
    };
  });
  console.log(`link decode: ${framesCount} frames of ${payloadBytes}-byte payloads, median of ${repeats} repeats (node ${process.version})`);
  for (const r of results) {
    console.log(
      `  ${r.scenario.padEnd(36)} ${String(r.framesPerSecondMedian).padStart(10)} frames/s` +
        `  (min ${r.framesPerSecondMin}, max ${r.framesPerSecondMax}, ${r.megabytesPerSecondMedian} MB/s)`,
    );
  }
  console.log(JSON.stringify({ bench: 'link-decode', framesCount, payloadBytes, repeats, node: process.version, results }));
}

main();
