/**
 * Personal data (PAN, NIK) leaves the agent only sealed to the gateway's X25519 public key with
 * NaCl's box (X25519 + XSalsa20-Poly1305), using a fresh ephemeral key pair per message so
 * the agent keeps no key that can open what it sealed. Layout, base64 encoded:
 *   ephemeralPublicKey (32) || nonce (24) || box ciphertext (message length + 16)
 * Look-ups use a keyed hash instead: HMAC-SHA256(lookupKey, value), lower-case hex.
 *
 * The fast path computes exactly what tweetnacl's box computes, with the X25519 scalar
 * multiplications (about 1 ms each in tweetnacl's JavaScript) done by OpenSSL instead:
 *   nacl.box(m, n, pk, sk) = nacl.secretbox(m, n, k), k = HSalsa20(0^16, X25519(sk, pk), "expand 32-byte k")
 * (NaCl's crypto_box_beforenm). tweetnacl still does HSalsa20 and XSalsa20-Poly1305, which are
 * cheap. sealReference() is the plain tweetnacl version the tests hold seal() to, byte for byte.
 * The primitives (boxKey, x25519 key objects, packSealed/unpackSealed) are exported so that a
 * party sealing or opening in bulk (the gateway) can add its own key reuse on the same format.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import nacl from 'tweetnacl';
import { ERR_KEY_FORMAT, ERR_SEALED_FORMAT, ERR_UNSEAL_FAILED } from './errors.ts';
import { fromBase64, key32FromBase64, toBase64 } from './encoding.ts';

export interface SealKeyPair {
  /** X25519 secret key, 32 bytes base64. Held only by the gateway. */
  readonly secretKey: string;
  /** X25519 public key, 32 bytes base64. Given to agents. */
  readonly publicKey: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
export const sealedHeaderBytes = 32 + 24;
export const sealedBytesMin = sealedHeaderBytes + nacl.box.overheadLength;

export function generateSealKeyPair(random: (n: number) => Uint8Array = randomBytes): SealKeyPair {
  const pair = nacl.box.keyPair.fromSecretKey(random(32));
  return { secretKey: toBase64(pair.secretKey), publicKey: toBase64(pair.publicKey) };
}

// ---- Primitives ----------------------------------------------------------------------------
// RFC 8410 DER wrappers: node:crypto has no raw-key import for X25519 in Node 20.
const x25519Pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const x25519SpkiPrefix = Buffer.from('302a300506032b656e032100', 'hex');
const sigma = encoder.encode('expand 32-byte k');
const zero16 = new Uint8Array(16);
const lowlevel = (
  nacl as unknown as {
    lowlevel: { crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number };
  }
).lowlevel;

export function x25519PublicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([x25519SpkiPrefix, raw]), format: 'der', type: 'spki' });
}

export function x25519PrivateKeyObject(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([x25519Pkcs8Prefix, raw]), format: 'der', type: 'pkcs8' });
}

/**
 * The raw 32 bytes of an X25519 key's public half. Exported as JWK (its `x` is the raw key in
 * base64url): about 1 us, where OpenSSL's DER encoder costs about 90 us per call, which was
 * half the cost of a seal. Never for a key just made by generateKeyPairSync: see freshX25519.
 */
function x25519PublicKeyBytes(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return rawFromJwk(publicKey.export({ format: 'jwk' }).x);
}

/**
 * NaCl's crypto_box_beforenm with OpenSSL's X25519: the 32-byte key that nacl.secretbox (=
 * nacl.box.after) uses between `privateKey` and `publicKey`. Throws EDC_ERR_KEY_FORMAT for a
 * public key OpenSSL refuses (a low-order point, whose shared secret would be all zeros).
 */
export function boxKey(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch (cause) {
    throw new ERR_KEY_FORMAT(
      'Cannot derive a box key: the X25519 public key is not usable (a low-order point)',
      {},
      cause,
    );
  }
  const key = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(key, zero16, shared, sigma);
  return key;
}

export function packSealed(ephemeralPublicKey: Uint8Array, nonce: Uint8Array, box: Uint8Array): string {
  const out = new Uint8Array(sealedHeaderBytes + box.length);
  out.set(ephemeralPublicKey, 0);
  out.set(nonce, 32);
  out.set(box, sealedHeaderBytes);
  return toBase64(out);
}

/** Splits a sealed value, or returns undefined when it is not base64 of at least sealedBytesMin bytes. */
export function unpackSealed(
  sealed: string,
): { ephemeralPublicKey: Uint8Array; nonce: Uint8Array; box: Uint8Array } | undefined {
  const bytes = fromBase64(sealed);
  if (bytes === undefined || bytes.length < sealedBytesMin) return undefined;
  return {
    ephemeralPublicKey: bytes.subarray(0, 32),
    nonce: bytes.subarray(32, sealedHeaderBytes),
    box: bytes.subarray(sealedHeaderBytes),
  };
}

// ---- Seal and unseal -----------------------------------------------------------------------
const recipientKeys = new Map<string, KeyObject>();

function recipientKeyObject(publicKey: string): KeyObject {
  let key = recipientKeys.get(publicKey);
  if (key === undefined) {
    key = x25519PublicKeyObject(key32FromBase64(publicKey, 'seal public key'));
    if (recipientKeys.size >= 64) recipientKeys.clear();
    recipientKeys.set(publicKey, key);
  }
  return key;
}

/** A fresh X25519 key pair: the private key as a KeyObject, the public key as its raw 32 bytes. */
export interface FreshX25519 {
  readonly privateKey: KeyObject;
  readonly publicKeyBytes: Uint8Array;
}

/**
 * A fresh X25519 key pair. OpenSSL's own generator is about 10x faster than importing 32 random
 * bytes as a PKCS#8 key, so it is used unless the caller injected a random source (seeded
 * simulations), which must then determine the key.
 *
 * The public half comes out of the generator already as JWK, never from a later export of the
 * generated KeyObject: in Node 20 the sync key generation job's config locks the generated key's
 * mutex when it is destroyed, and KeyObject.export({ format: 'jwk' }) allocates JavaScript strings
 * while holding that same mutex; a garbage collection inside that export which finalizes the
 * (already unreachable) job blocks the main thread on a mutex it holds itself, forever. Seen as
 * the agent-ledger hang of 2026-12-01 (gdb: ExportJWKEdKey -> GC -> ~KeyGenJob -> mutex lock).
 * Exported while the job runs (publicKeyEncoding), the job is alive and cannot be finalized.
 */
export function freshX25519(random: (n: number) => Uint8Array = randomBytes): FreshX25519 {
  if (random === randomBytes) {
    const pair = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } } as never) as unknown as {
      privateKey: KeyObject;
      publicKey: { x?: string };
    };
    return { privateKey: pair.privateKey, publicKeyBytes: rawFromJwk(pair.publicKey.x) };
  }
  // No generation job here: nothing can lock this key's mutex from a finalizer.
  const privateKey = x25519PrivateKeyObject(random(32));
  return { privateKey, publicKeyBytes: x25519PublicKeyBytes(privateKey) };
}

function rawFromJwk(x: string | undefined): Uint8Array {
  const raw = x === undefined ? undefined : Buffer.from(x, 'base64url');
  if (raw?.length !== 32) throw new ERR_KEY_FORMAT('Cannot read an X25519 public key: its JWK has no 32-byte x');
  return raw;
}

export function seal(
  plaintext: string,
  recipientPublicKey: string,
  random: (n: number) => Uint8Array = randomBytes,
): string {
  const recipient = recipientKeyObject(recipientPublicKey);
  const ephemeral = freshX25519(random);
  const key = boxKey(ephemeral.privateKey, recipient);
  const nonce = random(24);
  const box = nacl.secretbox(encoder.encode(plaintext), nonce, key);
  return packSealed(ephemeral.publicKeyBytes, nonce, box);
}

/** Reference implementation (tweetnacl only): same inputs, byte-identical output to `seal`. */
export function sealReference(
  plaintext: string,
  recipientPublicKey: string,
  random: (n: number) => Uint8Array = randomBytes,
): string {
  const recipient = key32FromBase64(recipientPublicKey, 'seal public key');
  const ephemeral = nacl.box.keyPair.fromSecretKey(random(32));
  const nonce = random(24);
  return packSealed(
    ephemeral.publicKey,
    nonce,
    nacl.box(encoder.encode(plaintext), nonce, recipient, ephemeral.secretKey),
  );
}

export function unseal(sealed: string, recipientSecretKey: string): string {
  const parts = unpackSealed(sealed);
  if (parts === undefined) {
    const bytes = fromBase64(sealed);
    const found = bytes === undefined ? 'invalid base64' : `${bytes.length} bytes`;
    throw new ERR_SEALED_FORMAT(`Cannot unseal: expected base64 of at least ${sealedBytesMin} bytes, found ${found}`);
  }
  let key: Uint8Array;
  try {
    key = boxKey(
      x25519PrivateKeyObject(key32FromBase64(recipientSecretKey, 'seal secret key')),
      x25519PublicKeyObject(parts.ephemeralPublicKey),
    );
  } catch (cause) {
    throw new ERR_UNSEAL_FAILED('Cannot unseal: the sender key in the box is not usable', {}, cause);
  }
  const opened = nacl.secretbox.open(parts.box, parts.nonce, key);
  if (opened === null)
    throw new ERR_UNSEAL_FAILED('Cannot unseal: the box did not open with this key (wrong key or altered bytes)');
  try {
    return decoder.decode(opened);
  } catch (cause) {
    throw new ERR_UNSEAL_FAILED('Cannot unseal: the opened box is not UTF-8', {}, cause);
  }
}

/** HMAC-SHA256(lookupKey, value) as lower-case hex: a stable look-up key that is not the value. */
export function keyedHash(value: string, lookupKey: string): string {
  return createHmac('sha256', key32FromBase64(lookupKey, 'look-up key')).update(value, 'utf8').digest('hex');
}
