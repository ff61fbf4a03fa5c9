/**
 * Byte streams for the link decoders' fuzzers, as fast-check arbitraries: random bytes; clean
 * streams of valid frames (payloads random or real ISO 8583 messages, control bytes between
 * frames), whose decoding is known exactly (an oracle); and mutated streams (bytes flipped,
 * inserted, deleted, duplicated, cut short). Every stream is cut into arbitrary chunks, each
 * arriving after a clock step that is sometimes longer than the inter-byte timeout.
 */
import fc from 'fast-check';
import { isoSampleBytes } from './iso-samples.ts';

export interface Chunk {
  readonly bytes: Uint8Array;
  /** Milliseconds the clock moves before this chunk arrives. */
  readonly afterMs: number;
}

export interface StreamCase {
  readonly kind: 'random' | 'clean' | 'mutated';
  readonly chunks: readonly Chunk[];
  /** The payloads a correct decoder emits, in order (clean streams only). */
  readonly expected: readonly Uint8Array[] | undefined;
  /** The stream ends (the decoder's finish() is called). */
  readonly finish: boolean;
}

export type Framer = (payload: Uint8Array) => Uint8Array;

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'duplicate'; at: number; count: number }
  | { kind: 'cut'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (bytes.length === 0) return m.kind === 'insert' ? m.bytes : bytes;
  const at = m.at % bytes.length;
  const b = Buffer.from(bytes);
  switch (m.kind) {
    case 'flip': {
      const copy = Uint8Array.from(bytes);
      copy[at] = copy[at]! ^ m.mask;
      return copy;
    }
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
    case 'duplicate':
      return Buffer.concat([b.subarray(0, at + m.count), b.subarray(at, at + m.count), b.subarray(at + m.count)]);
    case 'cut':
      return b.subarray(0, at);
  }
}

/** Cuts `bytes` at the given points (taken modulo its length); each chunk gets a clock step. */
function chunked(bytes: Uint8Array, cuts: readonly number[], steps: readonly number[]): Chunk[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const bounds = [0, ...points.filter((p) => p > 0), bytes.length];
  const chunks: Chunk[] = [];
  for (let i = 0; i + 1 < bounds.length; i++)
    chunks.push({
      bytes: bytes.subarray(bounds[i], bounds[i + 1]),
      afterMs: steps[i % Math.max(1, steps.length)] ?? 0,
    });
  return chunks;
}

function payload(payloadBytesMax: number): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ minLength: 1, maxLength: Math.min(300, payloadBytesMax), size: 'max' });
  const messages = isoSampleBytes.filter((s) => s.length <= payloadBytesMax);
  if (messages.length === 0) return random;
  return fc.oneof({ weight: 2, arbitrary: random }, { weight: 1, arbitrary: fc.constantFrom(...messages) });
}

/** Control bytes that may sit between frames without being part of any (ACK, NAK, EOT, ENQ), or none. */
export type Separator = fc.Arbitrary<Uint8Array>;

/**
 * The stream arbitrary for one link framing. `quietMs` is the largest clock step that keeps a
 * clean stream inside the inter-byte timeout; mutated and random streams also get longer ones.
 */
export function streams(frame: Framer, separator: Separator, payloadBytesMax: number, quietMs: number) {
  const cuts = fc.array(fc.nat({ max: 100_000 }), { maxLength: 24, size: 'max' });
  const quiet = fc.array(fc.integer({ min: 0, max: quietMs }), { minLength: 1, maxLength: 8, size: 'max' });
  const any = fc.array(fc.integer({ min: 0, max: quietMs * 3 }), { minLength: 1, maxLength: 8, size: 'max' });
  const frames = fc.array(fc.tuple(payload(payloadBytesMax), separator), { maxLength: 8, size: 'max' });
  const joined = (list: readonly [Uint8Array, Uint8Array][]): Uint8Array =>
    Buffer.concat(list.flatMap(([p, sep]) => [frame(p), sep]));
  const random = fc
    .record({ bytes: fc.uint8Array({ maxLength: 2_048, size: 'max' }), cuts, steps: any, finish: fc.boolean() })
    .map((r): StreamCase => ({
      kind: 'random',
      chunks: chunked(r.bytes, r.cuts, r.steps),
      expected: undefined,
      finish: r.finish,
    }));
  const clean = fc.record({ frames, cuts, steps: quiet, finish: fc.boolean() }).map((r): StreamCase => ({
    kind: 'clean',
    chunks: chunked(joined(r.frames), r.cuts, r.steps),
    expected: r.frames.map(([p]) => p),
    finish: r.finish,
  }));
  const mutated = fc
    .record({
      frames,
      mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
      cuts,
      steps: any,
      finish: fc.boolean(),
    })
    .map((r): StreamCase => ({
      kind: 'mutated',
      chunks: chunked(r.mutations.reduce(mutate, joined(r.frames)), r.cuts, r.steps),
      expected: undefined,
      finish: r.finish,
    }));
  return fc.oneof(random, clean, { weight: 2, arbitrary: mutated });
}

export { mutate, mutation, chunked };
