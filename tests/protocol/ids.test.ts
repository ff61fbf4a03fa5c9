import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ulidFactory, ulidPattern, ulidTime } from '../../protocol/ids.ts';

describe('ulidFactory()', () => {
  it('encodes the millisecond time in the first 10 characters (ULID spec example time)', () => {
    const make = ulidFactory({ now: () => 1469918176385, random: (n) => new Uint8Array(n) });
    const id = make();
    expect(id.slice(0, 10)).toBe('01ARYZ6S41');
    expect(id).toMatch(ulidPattern);
    expect(ulidTime(id)).toBe(1469918176385);
  });

  it('makes strictly increasing ids even when the clock stands still or steps back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 50 }),
        fc.integer(),
        (times, seed) => {
          let i = 0;
          let state = seed;
          const make = ulidFactory({
            now: () => times[i++ % times.length]!,
            random: (n) => Uint8Array.from({ length: n }, () => (state = (state * 1103515245 + 12345) >>> 0) & 255),
          });
          const ids = times.map(() => make());
          for (let k = 1; k < ids.length; k++) expect(ids[k]! > ids[k - 1]!).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('increments the random part on a carry across bytes', () => {
    const make = ulidFactory({
      now: () => 0,
      random: (n) => new Uint8Array(n).fill(255).map((v, i) => (i === 0 ? 0 : v)),
    });
    const first = make();
    const second = make();
    expect(second > first).toBe(true);
    expect(second.slice(0, 10)).toBe('0000000000');
  });
});
