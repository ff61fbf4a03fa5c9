import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  publicKeyFromSeed,
  publicKeyFromSeedReference,
  sign,
  signReference,
  verify,
  verifyReference,
} from '../../../protocol/crypto/ed25519.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import vectors from '../../../protocol/vectors/ed25519-rfc8032.json' with { type: 'json' };

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => toBase64(bytes));

describe('Ed25519', () => {
  for (const vector of vectors.vectors) {
    it(`passes RFC 8032 ${vector.name} with node:crypto and with tweetnacl`, () => {
      const seed = hexToBase64(vector.secretKey);
      const message = Buffer.from(vector.message, 'hex');
      const expected = hexToBase64(vector.signature);
      expect(publicKeyFromSeed(seed)).toBe(hexToBase64(vector.publicKey));
      expect(publicKeyFromSeedReference(seed)).toBe(hexToBase64(vector.publicKey));
      expect(sign(message, seed)).toBe(expected);
      expect(signReference(message, seed)).toBe(expected);
      expect(verify(message, expected, hexToBase64(vector.publicKey))).toBe(true);
      expect(verifyReference(message, expected, hexToBase64(vector.publicKey))).toBe(true);
    });
  }

  // tweetnacl is pure JavaScript (about 150x slower than OpenSSL here): keys are drawn from a
  // pool so the 1,000 messages spend their time signing, not deriving keys.
  const seedPool = fc.sample(seedArb, { numRuns: 16, seed: 8032 });

  it('node:crypto and tweetnacl give byte-identical signatures over 1,000 random messages', () => {
    for (const seed of seedPool) expect(publicKeyFromSeedReference(seed)).toBe(publicKeyFromSeed(seed));
    fc.assert(
      fc.property(fc.constantFrom(...seedPool), fc.uint8Array({ maxLength: 512 }), (seed, message) => {
        expect(signReference(message, seed)).toBe(sign(message, seed));
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("each implementation accepts the other's signatures", () => {
    fc.assert(
      fc.property(fc.constantFrom(...seedPool), fc.uint8Array({ maxLength: 256 }), (seed, message) => {
        const publicKey = publicKeyFromSeed(seed);
        expect(verifyReference(message, sign(message, seed), publicKey)).toBe(true);
        expect(verify(message, signReference(message, seed), publicKey)).toBe(true);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('both implementations reject a signature with one flipped bit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seedPool),
        fc.uint8Array({ minLength: 1, maxLength: 128 }),
        fc.nat(511),
        (seed, message, bit) => {
          const publicKey = publicKeyFromSeed(seed);
          const sig = Buffer.from(sign(message, seed), 'base64');
          sig[bit >> 3]! ^= 1 << (bit & 7);
          const forged = sig.toString('base64');
          expect(verify(message, forged, publicKey)).toBe(false);
          expect(verifyReference(message, forged, publicKey)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it('verify() answers false, never throws, for malformed signatures', () => {
    const { seed, publicKey } = generateSigningKeyPair();
    const message = new Uint8Array([1, 2, 3]);
    for (const bad of ['', 'not base64!', 'AAAA', sign(message, seed).slice(0, 40), `${sign(message, seed)}AA==`]) {
      expect(verify(message, bad, publicKey)).toBe(false);
      expect(verifyReference(message, bad, publicKey)).toBe(false);
    }
  });

  it('refuses a seed that is not 32 bytes with EDC_ERR_KEY_FORMAT', () => {
    expect(() => sign(new Uint8Array(1), toBase64(new Uint8Array(31)))).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_KEY_FORMAT' }),
    );
    expect(() => publicKeyFromSeed('***')).toThrow(expect.objectContaining({ code: 'EDC_ERR_KEY_FORMAT' }));
  });
});
