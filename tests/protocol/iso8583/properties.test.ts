/**
 * Property tests. Run counts (per `npx vitest run`): round trip 10 MTIs x 1 500 = 15 000,
 * canonical encoding 3 000, random bytes 8 000, random bodies behind a valid header 8 000,
 * mutations of valid messages 10 000, TLV 4 000, Luhn 2 000: 50 000 cases in total.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import {
  decode,
  decodeTlv,
  encode,
  encodeTlv,
  isLuhnValid,
  luhnCheckDigit,
  maskPan,
  mtis,
} from '../../../protocol/iso8583/index.ts';
import { digits, messageArbitrary, tlvItem } from './arbitraries.ts';
import { hex } from './samples.ts';

const anyMessage = fc.oneof(...mtis.map((mti) => messageArbitrary(mti)));

/** Decodes `bytes`; returns true when it decodes, false for a coded (non-internal) error, and
 * rethrows anything else so fast-check reports it with its seed. */
function decodesOrCodedError(bytes: Uint8Array): boolean {
  try {
    decode(bytes);
    return true;
  } catch (error) {
    if (isEdcError(error) && error.code !== 'EDC_ERR_ISO_INTERNAL') return false;
    throw error;
  }
}

describe('properties of encode() and decode()', () => {
  for (const mti of mtis) {
    it(`decode(encode(m)) equals m for random valid ${mti} messages`, () => {
      fc.assert(
        fc.property(messageArbitrary(mti), (message) => {
          expect(decode(encode(message))).toEqual(message);
        }),
        { numRuns: 1_500 },
      );
    });
  }

  it('encoding is canonical: encode(decode(b)) returns b byte for byte', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const bytes = encode(message);
        expect(hex(encode(decode(bytes)))).toBe(hex(bytes));
      }),
      { numRuns: 3_000 },
    );
  });

  it('random bytes never throw anything but a coded EdcError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => void decodesOrCodedError(bytes)),
      { numRuns: 8_000 },
    );
  });

  it('random bodies behind a valid TPDU and MTI never throw anything but a coded EdcError', () => {
    const header = fc.tuple(
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.constantFrom(...mtis),
      fc.uint8Array({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(header, ([addresses, mti, body]) => {
        const bytes = Uint8Array.from([
          0x60,
          ...addresses,
          parseInt(mti.slice(0, 2), 16),
          parseInt(mti.slice(2), 16),
          ...body,
        ]);
        decodesOrCodedError(bytes);
      }),
      { numRuns: 8_000 },
    );
  });

  it('mutations of valid messages either decode (and re-encode to the same bytes) or give a coded EdcError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }), (message, mutations) => {
        let bytes = encode(message);
        for (const change of mutations) bytes = mutate(bytes, change);
        if (decodesOrCodedError(bytes)) expect(hex(encode(decode(bytes)))).toBe(hex(bytes));
      }),
      { numRuns: 10_000 },
    );
  });
});

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number };

function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : change.at % bytes.length;
  const copy = Array.from(bytes);
  if (change.kind === 'flip') copy[at] = copy[at]! ^ change.mask;
  if (change.kind === 'truncate') copy.length = at;
  if (change.kind === 'insert') copy.splice(at, 0, change.byte);
  if (change.kind === 'delete') copy.splice(at, 1);
  return Uint8Array.from(copy);
}

describe('properties of the TLV and PAN helpers', () => {
  it('decodeTlv(encodeTlv(items)) equals items, including long-form lengths', () => {
    const items = fc.array(
      fc.oneof(
        tlvItem,
        fc.record({ tag: fc.constant('9F10'), value: fc.uint8Array({ minLength: 120, maxLength: 300 }) }),
      ),
      {
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(items, (list) => {
        const decoded = decodeTlv(encodeTlv(list));
        expect(decoded.map((item) => item.tag + hex(item.value))).toEqual(
          list.map((item) => item.tag + hex(item.value)),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('decodeTlv() of random bytes returns items that re-encode to the same bytes, or a coded error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          expect(hex(encodeTlv(decodeTlv(bytes)))).toBe(hex(bytes));
        } catch (error) {
          if (!isEdcError(error, 'EDC_ERR_ISO_TLV')) throw error;
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('luhnCheckDigit() makes every prefix Luhn-valid, and changing one digit breaks it', () => {
    fc.assert(
      fc.property(digits(11, 18), fc.nat(), fc.integer({ min: 1, max: 9 }), (prefix, position, delta) => {
        const pan = prefix + luhnCheckDigit(prefix);
        expect(isLuhnValid(pan)).toBe(true);
        const at = position % pan.length;
        const changed = pan.slice(0, at) + String((Number(pan[at]) + delta) % 10) + pan.slice(at + 1);
        expect(isLuhnValid(changed)).toBe(false);
        expect(maskPan(pan)).toBe(pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4));
      }),
      { numRuns: 2_000 },
    );
  });
});
