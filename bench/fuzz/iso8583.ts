/**
 * Fuzz target for the ISO 8583 decoder (protocol/iso8583 decode): random bytes, and valid
 * messages of every MTI mutated (bytes flipped, inserted, deleted, duplicated, cut short, the
 * bitmap redrawn, garbage appended). Checked: decode returns a message or throws a typed EdcError
 * (never an untyped throw, never EDC_ERR_ISO_INTERNAL, which marks a failure inside the codec);
 * and what it accepts is a message the encoder writes back and the decoder reads again to the
 * same message (decode and encode agree on what is valid).
 */
import fc from 'fast-check';
import { decode, encode, messagesEqual, type IsoMessage } from '../../protocol/iso8583/index.ts';
import { FuzzViolation, typedOutcome } from './harness.ts';
import { isoSampleBytes } from './iso-samples.ts';
import { mutate, mutation } from './streams.ts';

/** TPDU (5 bytes) and MTI (2 BCD bytes) come first; the primary bitmap follows. */
const bitmapAt = 7;

const sample = fc.constantFrom(...isoSampleBytes);

function withBitmap(bytes: Uint8Array, bitmap: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy.set(bitmap.subarray(0, Math.max(0, Math.min(bitmap.length, copy.length - bitmapAt))), bitmapAt);
  return copy;
}

/** A byte the field codecs may well accept: two BCD digits or a printable character. */
const plausibleByte = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })).map(([a, b]) => (a << 4) | b),
  fc.integer({ min: 0x20, max: 0x7e }),
);

/** Sets a few bytes after the bitmap to plausible values: many such messages still decode, with other field values. */
function retyped(bytes: Uint8Array, changes: readonly [number, number][]): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const from = bitmapAt + 8;
  for (const [at, value] of changes) if (copy.length > from) copy[from + (at % (copy.length - from))] = value;
  return copy;
}

export const isoCases: fc.Arbitrary<{ kind: string; bytes: Uint8Array }> = fc.oneof(
  fc
    .tuple(sample, fc.array(fc.tuple(fc.nat(), plausibleByte), { minLength: 1, maxLength: 3 }))
    .map(([bytes, changes]) => ({ kind: 'retyped', bytes: retyped(bytes, changes) })),
  fc.uint8Array({ maxLength: 600, size: 'max' }).map((bytes) => ({ kind: 'random', bytes })),
  fc
    .tuple(sample, fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([bytes, ms]) => ({ kind: 'mutated', bytes: ms.reduce(mutate, bytes) })),
  fc.tuple(sample, fc.uint8Array({ minLength: 8, maxLength: 16 })).map(([bytes, bitmap]) => ({
    kind: 'bitmap',
    bytes: withBitmap(bytes, bitmap),
  })),
  fc.tuple(sample, fc.nat()).map(([bytes, at]) => ({ kind: 'truncated', bytes: bytes.subarray(0, at % bytes.length) })),
  fc.tuple(sample, fc.uint8Array({ minLength: 1, maxLength: 32, size: 'max' })).map(([bytes, tail]) => ({
    kind: 'trailing',
    bytes: Buffer.concat([bytes, tail]),
  })),
);

function roundTrip(message: IsoMessage): void {
  let again: IsoMessage;
  try {
    again = decode(encode(message));
  } catch (error) {
    throw new FuzzViolation(
      `decoded ${message.mti} does not survive encode + decode: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
  if (!messagesEqual(again, message)) throw new FuzzViolation(`decoded ${message.mti} re-encodes to another message`);
}

export function checkIso(c: { kind: string; bytes: Uint8Array }): string[] {
  let message: IsoMessage;
  try {
    message = decode(c.bytes);
  } catch (error) {
    return [`input:${c.kind}`, typedOutcome(error, ['EDC_ERR_ISO_INTERNAL'])];
  }
  roundTrip(message);
  return [`input:${c.kind}`, `decoded:${message.mti}`];
}
