/**
 * Personal data (PAN, NIK) leaves the agent only sealed to the gateway's X25519 public key with
 * tweetnacl's box (X25519 + XSalsa20-Poly1305), using a fresh ephemeral key pair per message so
 * the agent keeps no key that can open what it sealed. Layout, base64 encoded:
 *   ephemeralPublicKey (32) || nonce (24) || box ciphertext (message length + 16)
 * Look-ups use a keyed hash instead: HMAC-SHA256(lookupKey, value), lower-case hex.
 */
import { createHmac, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { ERR_SEALED_FORMAT, ERR_UNSEAL_FAILED } from './errors.ts';
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

export function seal(plaintext: string, recipientPublicKey: string, random: (n: number) => Uint8Array = randomBytes): string {
  const recipient = key32FromBase64(recipientPublicKey, 'seal public key');
  const ephemeral = nacl.box.keyPair.fromSecretKey(random(32));
  const nonce = random(24);
  const box = nacl.box(encoder.encode(plaintext), nonce, recipient, ephemeral.secretKey);
  const out = new Uint8Array(headerBytes + box.length);
  out.set(ephemeral.publicKey, 0);
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
