import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, signingBytes } from '../../../protocol/crypto/canonical.ts';

// JSON values the canonical form accepts: strings, safe integers, booleans, null, arrays, objects.
const { value: canonicalValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.maxSafeInteger(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
}));

function shuffleKeys(value: unknown, flip: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, flip));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, shuffleKeys(v, flip)] as const);
    return Object.fromEntries(flip ? entries.reverse() : entries);
  }
  return value;
}

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], A: { z: 0, y: -3 } })).toBe(
      '{"A":{"y":-3,"z":0},"a":[true,null,"x"],"b":1}',
    );
    expect(canonicalJson({ '\u00e9': 1, e: 2, '\ud83d\ude00': 3, '\uffff': 4 })).toBe(
      '{"e":2,"\u00e9":1,"\ud83d\ude00":3,"\uffff":4}',
    );
  });

  it('is independent of key insertion order and parses back to the same value', () => {
    fc.assert(
      fc.property(canonicalValue, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffleKeys(value, true))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });

  it('omits undefined object members and writes -0 as 0', () => {
    expect(canonicalJson({ a: undefined, b: -0 })).toBe('{"b":0}');
  });

  it.each([
    ['a float', { amount: 1.5 }, '$.amount'],
    ['an unsafe integer', [2 ** 53], '$[0]'],
    ['NaN', { x: Number.NaN }, '$.x'],
    ['a bigint', { x: 1n }, '$.x'],
    ['a Date', { at: new Date(0) }, '$.at'],
    ['undefined in an array', [undefined], '$[0]'],
  ])('refuses %s with EDC_ERR_CANONICAL_VALUE naming the path', (_name, value, path) => {
    expect(() => canonicalJson(value)).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_CANONICAL_VALUE', details: { path } }),
    );
  });

  it('signingBytes() prefixes the domain tag and a newline', () => {
    expect(Buffer.from(signingBytes('edc.entry.v1', { b: 2, a: 1 })).toString()).toBe('edc.entry.v1\n{"a":1,"b":2}');
    expect(() => signingBytes('Entry', {})).toThrow(expect.objectContaining({ code: 'EDC_ERR_CANONICAL_VALUE' }));
  });
});
