/**
 * Personal data (PAN, NIK) leaves the agent only sealed to the gateway's X25519 public key with
 * tweetnacl's box (X25519 + XSalsa20-Poly1305), using a fresh ephemeral key pair per message so
 * the agent keeps no key that can open what it sealed. Layout, base64 encoded:
 *   ephemeralPublicKey (32) || nonce (24) || box ciphertext (message length + 16)
 * Look-ups use a keyed hash instead: HMAC-SHA256(lookupKey, value), lower-case hex.
 */
import { createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
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
const headerBytes = 32 + 24;

export function generateSealKeyPair(random: (n: number) => Uint8Array = randomBytes): SealKeyPair {
  const pair = nacl.box.keyPair.fromSecretKey(random(32));
  return { secretKey: toBase64(pair.secretKey), publicKey: toBase64(pair.publicKey) };
}

// The fast path computes exactly what nacl.box computes, with the two X25519 scalar
// multiplications (about 1 ms each in tweetnacl's JavaScript) done by OpenSSL instead:
//   nacl.box(m, n, pk, sk) = nacl.secretbox(m, n, k), k = HSalsa20(0^16, X25519(sk, pk), "expand 32-byte k")
// (NaCl's crypto_box_beforenm). tweetnacl still does HSalsa20 and XSalsa20-Poly1305, which are
// cheap. sealReference() is the plain tweetnacl version the tests hold this one to, byte for byte.
const x25519Pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const x25519SpkiPrefix = Buffer.from('302a300506032b656e032100', 'hex');
const sigma = encoder.encode('expand 32-byte k');
const lowlevel = (nacl as unknown as { lowlevel: { crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number } }).lowlevel;
const recipientKeys = new Map<string, KeyObject>();

function recipientKeyObject(publicKey: string): KeyObject {
  let key = recipientKeys.get(publicKey);
  if (key === undefined) {
    const raw = key32FromBase64(publicKey, 'seal public key');
    key = createPublicKey({ key: Buffer.concat([x25519SpkiPrefix, raw]), format: 'der', type: 'spki' });
    if (recipientKeys.size >= 64) recipientKeys.clear();
    recipientKeys.set(publicKey, key);
  }
  return key;
}

export function seal(plaintext: string, recipientPublicKey: string, random: (n: number) => Uint8Array = randomBytes): string {
  const recipient = recipientKeyObject(recipientPublicKey);
  const { ephemeralSecret, ephemeralPublic } = ephemeralKeyPair(random);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: ephemeralSecret, publicKey: recipient });
  } catch (cause) {
    throw new ERR_KEY_FORMAT('Cannot seal: the seal public key is not a usable X25519 key (a low-order point)', {}, cause);
  }
  const key = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(key, new Uint8Array(16), shared, sigma);
  const nonce = random(24);
  return pack(ephemeralPublic, nonce, nacl.secretbox(encoder.encode(plaintext), nonce, key));
}

/**
 * A fresh X25519 key pair. OpenSSL's own generator is about 10x faster than importing 32 random
 * bytes as a PKCS#8 key, so it is used unless the caller injected a random source (seeded
 * simulations), which must then determine the key.
 */
function ephemeralKeyPair(random: (n: number) => Uint8Array): { ephemeralSecret: KeyObject; ephemeralPublic: Buffer } {
  const pair =
    random === randomBytes
      ? generateKeyPairSync('x25519')
      : { privateKey: createPrivateKey({ key: Buffer.concat([x25519Pkcs8Prefix, random(32)]), format: 'der', type: 'pkcs8' }), publicKey: undefined };
  const publicKey = pair.publicKey ?? createPublicKey(pair.privateKey);
  return { ephemeralSecret: pair.privateKey, ephemeralPublic: publicKey.export({ format: 'der', type: 'spki' }).subarray(x25519SpkiPrefix.length) };
}

/** Reference implementation (tweetnacl only): same inputs, byte-identical output to `seal`. */
export function sealReference(plaintext: string, recipientPublicKey: string, random: (n: number) => Uint8Array = randomBytes): string {
  const recipient = key32FromBase64(recipientPublicKey, 'seal public key');
  const ephemeral = nacl.box.keyPair.fromSecretKey(random(32));
  const nonce = random(24);
  return pack(ephemeral.publicKey, nonce, nacl.box(encoder.encode(plaintext), nonce, recipient, ephemeral.secretKey));
}

function pack(ephemeralPublicKey: Uint8Array, nonce: Uint8Array, box: Uint8Array): string {
  const out = new Uint8Array(headerBytes + box.length);
  out.set(ephemeralPublicKey, 0);
  out.set(nonce, 32);
  out.set(box, headerBytes);
  return toBase64(out);
}

export function unseal(sealed: string, recipientSecretKey: string): string {
  const bytes = fromBase64(sealed);
  if (bytes === undefined || bytes.length < headerBytes + nacl.box.overheadLength) {
    throw new ERR_SEALED_FORMAT(`Cannot unseal: expected base64 of at least ${headerBytes + nacl.box.overheadLength} bytes, found ${bytes === undefined ? 'invalid base64' : `${bytes.length} bytes`}`);
  }
  const opened = nacl.box.open(bytes.subarray(headerBytes), bytes.subarray(32, headerBytes), bytes.subarray(0, 32), key32FromBase64(recipientSecretKey, 'seal secret key'));
  if (opened === null) throw new ERR_UNSEAL_FAILED('Cannot unseal: the box did not open with this key (wrong key or altered bytes)');
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
