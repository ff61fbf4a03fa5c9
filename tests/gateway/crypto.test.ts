import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { generateSealKeyPair, keyedHash, seal, unseal } from '../../protocol/crypto/seal.ts';
import { fromBase64, toBase64 } from '../../protocol/crypto/encoding.ts';
import { Opener, Sealer, sealsPerEphemeralMax } from '../../gateway/crypto/fast-seal.ts';
import { KeyedHasher } from '../../gateway/crypto/keyed-hash.ts';

describe('gateway crypto', () => {
  const pair = generateSealKeyPair();

  it('Sealer output opens with protocol unseal, and protocol seal output opens with Opener', () => {
    const sealer = new Sealer(pair.publicKey);
    const opener = new Opener(pair.secretKey);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(unseal(sealer.seal(text), pair.secretKey)).toBe(text);
        expect(opener.open(seal(text, pair.publicKey))).toBe(text);
      }),
      { numRuns: 50 },
    );
  });

  it('Sealer never reuses a nonce, across ephemeral key rotations too', () => {
    const sealer = new Sealer(pair.publicKey);
    const seen = new Set<string>();
    const keys = new Set<string>();
    for (let i = 0; i < sealsPerEphemeralMax * 2 + 5; i++) {
      const bytes = fromBase64(sealer.seal('x'))!;
      keys.add(toBase64(bytes.subarray(0, 32)));
      seen.add(toBase64(bytes.subarray(32, 56)));
    }
    expect(seen.size).toBe(sealsPerEphemeralMax * 2 + 5);
    expect(keys.size).toBe(3);
  });

  it('KeyedHasher.hash equals protocol keyedHash', () => {
    const lookupKey = toBase64(randomBytes(32));
    const hasher = new KeyedHasher(lookupKey);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        expect(hasher.hash(value)).toBe(keyedHash(value, lookupKey));
      }),
    );
  });
});
