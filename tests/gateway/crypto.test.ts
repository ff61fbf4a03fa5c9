import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { generateSealKeyPair, keyedHash, seal, unseal } from '../../protocol/crypto/seal.ts';
import { fromBase64, toBase64 } from '../../protocol/crypto/encoding.ts';
import { Opener, Sealer, sealsPerEphemeralMax } from '../../gateway/crypto/fast-seal.ts';
import { KeyedHasher } from '../../gateway/crypto/keyed-hash.ts';
import {
  DataKeyRing,
  EnvelopeSealer,
  dataKeysMax,
  envelopeOverheadBytes,
  type WrappedDataKey,
} from '../../gateway/crypto/envelope.ts';

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

describe('gateway envelope encryption at rest (AES-256-GCM under wrapped data keys)', () => {
  const pair = generateSealKeyPair();
  const ringWith = (records: readonly WrappedDataKey[]) => {
    const ring = new DataKeyRing(pair.secretKey);
    for (const r of records) ring.add(r);
    return ring;
  };
  const key1 = new DataKeyRing(pair.secretKey).next(1);

  it('EnvelopeSealer output opens with Opener, is "~" + base64 and 30 bytes over the plaintext', () => {
    const ring = ringWith([key1]);
    const sealer = new EnvelopeSealer(ring);
    const opener = new Opener(pair.secretKey, ring);
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const sealed = sealer.seal(text);
        expect(sealed[0]).toBe('~');
        expect(fromBase64(sealed.slice(1))!.length).toBe(Buffer.byteLength(text) + envelopeOverheadBytes);
        expect(opener.open(sealed)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('a PAN record sealed at rest is 42 bytes (about 55 base64 characters) smaller than in a sealed box', () => {
    const ring = ringWith([key1]);
    const text = JSON.stringify({ pan: '6032981234567890', nik: '3201010101900001', name: 'SITI AMINAH' });
    const envelope = new EnvelopeSealer(ring).seal(text).length;
    const box = new Sealer(pair.publicKey).seal(text).length;
    expect(envelope).toBeLessThan(box);
    expect(box - envelope).toBeGreaterThanOrEqual(54); // 42 bytes as base64, less the '~'
  });

  it('Opener with a ring still opens sealed boxes: rows stored before envelopes, PANs agents seal', () => {
    const opener = new Opener(pair.secretKey, ringWith([key1]));
    expect(opener.open(seal('lama / old', pair.publicKey))).toBe('lama / old');
    expect(opener.open(new Sealer(pair.publicKey).seal('agen / agent'))).toBe('agen / agent');
  });

  it('after a rotation new seals carry the newest key id and values under older ids keep opening', () => {
    const ring = ringWith([key1]);
    const sealer = new EnvelopeSealer(ring);
    const old = sealer.seal('satu');
    ring.add(ring.next(2));
    const fresh = sealer.seal('dua');
    expect([...fromBase64(old.slice(1))!.subarray(0, 2)]).toEqual([0, 1]);
    expect([...fromBase64(fresh.slice(1))!.subarray(0, 2)]).toEqual([0, 2]);
    const opener = new Opener(pair.secretKey, ring);
    expect([opener.open(old), opener.open(fresh)]).toEqual(['satu', 'dua']);
  });

  it('an unknown key id is EDC_ERR_DATA_KEY_UNKNOWN; altered bytes or a short value open to undefined', () => {
    const ring = ringWith([key1]);
    const sealed = new EnvelopeSealer(ring).seal('rahasia');
    const bytes = fromBase64(sealed.slice(1))!;
    const withId = (id: number) => {
      const copy = Uint8Array.from(bytes);
      copy[0] = id >> 8;
      copy[1] = id & 0xff;
      return '~' + toBase64(copy);
    };
    const opener = new Opener(pair.secretKey, ring);
    expect(() => opener.open(withId(7))).toThrow(expect.objectContaining({ code: 'EDC_ERR_DATA_KEY_UNKNOWN' }));
    expect(() => new Opener(pair.secretKey).open(sealed)).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_DATA_KEY_UNKNOWN' }),
    );
    for (let i = 2; i < bytes.length; i++) {
      const altered = Uint8Array.from(bytes);
      altered[i]! ^= 0x01;
      expect(opener.open('~' + toBase64(altered))).toBeUndefined();
    }
    expect(opener.open('~' + toBase64(bytes.subarray(0, envelopeOverheadBytes - 1)))).toBeUndefined();
    expect(opener.open('~not base64!')).toBeUndefined();
  });

  it('a damaged, moved or foreign wrapped data key is EDC_ERR_DATA_KEY_DAMAGED when loaded', () => {
    const wrapped = fromBase64(key1.wrapped)!;
    wrapped[20]! ^= 0x80;
    const damaged = { ...key1, wrapped: toBase64(wrapped) };
    const moved = { ...key1, keyId: 2 };
    const foreign = new DataKeyRing(generateSealKeyPair().secretKey).next(1);
    const outOfRange = { ...key1, keyId: dataKeysMax + 1 };
    for (const record of [damaged, moved, foreign, outOfRange, { ...key1, wrapped: 'x' }])
      expect(() => ringWith([record])).toThrow(expect.objectContaining({ code: 'EDC_ERR_DATA_KEY_DAMAGED' }));
  });

  it('EnvelopeSealer never reuses an IV, across IV draws too', () => {
    const sealer = new EnvelopeSealer(ringWith([key1]));
    const ivs = new Set<string>();
    const count = 1024 * 2 + 5;
    for (let i = 0; i < count; i++) ivs.add(toBase64(fromBase64(sealer.seal('x').slice(1))!.subarray(2, 14)));
    expect(ivs.size).toBe(count);
  });

  it('a ring with no data key refuses to seal with EDC_ERR_DATA_KEY_UNKNOWN', () => {
    expect(() => new EnvelopeSealer(new DataKeyRing(pair.secretKey)).seal('x')).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_DATA_KEY_UNKNOWN' }),
    );
  });
});
