import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { generateSealKeyPair, keyedHash, seal, sealReference, unseal } from '../../../protocol/crypto/seal.ts';

describe('seal() and unseal()', () => {
  const gateway = generateSealKeyPair();

  it('open with the gateway key to the same text, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (text) => {
        expect(unseal(seal(text, gateway.publicKey), gateway.secretKey)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('seal() (OpenSSL X25519) is byte-identical to tweetnacl box for the same randomness', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.uint8Array({ minLength: 56, maxLength: 56 }), (text, randomness) => {
        const fixed = (): ((n: number) => Uint8Array) => {
          let offset = 0;
          return (n) => randomness.slice(offset, (offset += n));
        };
        expect(seal(text, gateway.publicKey, fixed())).toBe(sealReference(text, gateway.publicKey, fixed()));
      }),
      { numRuns: 300 },
    );
  });

  it('unseal() (OpenSSL X25519) opens what tweetnacl box sealed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        expect(unseal(sealReference(text, gateway.publicKey), gateway.secretKey)).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a low-order seal public key with EDC_ERR_KEY_FORMAT', () => {
    expect(() => seal('x', toBase64(new Uint8Array(32)))).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_KEY_FORMAT' }),
    );
  });

  it('give a different box each time, so equal PANs are not linkable', () => {
    expect(seal('5264220123456786', gateway.publicKey)).not.toBe(seal('5264220123456786', gateway.publicKey));
  });

  it('refuse another key with EDC_ERR_UNSEAL_FAILED', () => {
    const other = generateSealKeyPair();
    expect(() => unseal(seal('5264220123456786', gateway.publicKey), other.secretKey)).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_UNSEAL_FAILED' }),
    );
  });

  it('refuse an altered box with EDC_ERR_UNSEAL_FAILED and a short one with EDC_ERR_SEALED_FORMAT', () => {
    const bytes = Buffer.from(seal('5264220123456786', gateway.publicKey), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => unseal(bytes.toString('base64'), gateway.secretKey)).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_UNSEAL_FAILED' }),
    );
    expect(() => unseal('AAAA', gateway.secretKey)).toThrow(expect.objectContaining({ code: 'EDC_ERR_SEALED_FORMAT' }));
    expect(() => unseal('%%%', gateway.secretKey)).toThrow(expect.objectContaining({ code: 'EDC_ERR_SEALED_FORMAT' }));
  });

  it('seal with a fixed random source is deterministic (for seeded simulations)', () => {
    const random = (n: number): Uint8Array => new Uint8Array(n).fill(7);
    expect(seal('x', gateway.publicKey, random)).toBe(seal('x', gateway.publicKey, random));
  });
});

describe('keyedHash()', () => {
  it('is HMAC-SHA256 in lower-case hex (RFC 4231 test case 2 shape with a 32-byte key)', () => {
    const key = toBase64(new Uint8Array(32));
    expect(keyedHash('', key)).toBe('b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad');
  });

  it('depends on the key, so a leaked table does not reveal PANs of other agents', () => {
    const a = toBase64(new Uint8Array(32).fill(1));
    const b = toBase64(new Uint8Array(32).fill(2));
    expect(keyedHash('5264220123456786', a)).not.toBe(keyedHash('5264220123456786', b));
    expect(keyedHash('5264220123456786', a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
