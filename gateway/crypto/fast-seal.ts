/**
 * The gateway seals and opens personal data (PAN, NIK, name) in the exact format of
 * protocol/crypto/seal.ts (ephemeralPublicKey 32 || nonce 24 || XSalsa20-Poly1305 box), but does
 * the X25519 step with node:crypto (OpenSSL) instead of tweetnacl's pure-JS scalar
 * multiplication, which costs milliseconds: at a million KPM rows per import and one open per
 * uploaded withdrawal that difference is the whole budget. nacl.box.before(pk, sk) is
 * HSalsa20(X25519(sk, pk), 0^16) (NaCl crypto_box_beforenm); the rest is tweetnacl's secretbox.
 * Tests hold this module byte-compatible with protocol seal/unseal in both directions.
 *
 * At rest the gateway reuses one ephemeral key pair for up to sealsPerEphemeralMax seals (each
 * with its own random 24-byte nonce, which is what XSalsa20-Poly1305 needs to stay secure): the
 * agent's reason for a fresh pair per message (it must not be able to reopen what it sealed)
 * does not apply to the gateway, which can open everything anyway. The opener caches shared keys
 * by ephemeral public key, so opening a row of a big import costs a secretbox, not an X25519.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { fromBase64, key32FromBase64, toBase64 } from '../../protocol/crypto/encoding.ts';

// RFC 8410 DER wrappers for raw X25519 keys.
const pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b656e032100', 'hex');
const sigma = new Uint8Array(Buffer.from('expand 32-byte k', 'ascii'));
const zero16 = new Uint8Array(16);
const headerBytes = 32 + 24;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

interface LowLevel {
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number;
}
const lowlevel = (nacl as unknown as { lowlevel: LowLevel }).lowlevel;

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: 'der', type: 'spki' });
}

function sharedKey(privateKey: KeyObject, peerPublic: Uint8Array): Uint8Array {
  const shared = diffieHellman({ privateKey, publicKey: publicKeyObject(peerPublic) });
  const k = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(k, zero16, new Uint8Array(shared), sigma);
  return k;
}

/** Seals to one recipient; keeps the recipient's key object so each seal costs one X25519. */
export const sealsPerEphemeralMax = 1024;
const sharedKeyCacheMax = 4096;

export class Sealer {
  readonly #recipient: Uint8Array;
  #ephemeralPublic = Buffer.alloc(0);
  #key: Uint8Array = new Uint8Array(32);
  #uses = sealsPerEphemeralMax;
  /** Random nonces for the current ephemeral key, drawn in one call: randomBytes per seal cost more than the box. */
  #nonces = Buffer.alloc(0);

  constructor(recipientPublicKey: string) {
    this.#recipient = key32FromBase64(recipientPublicKey, 'seal public key');
  }

  seal(plaintext: string): string {
    if (this.#uses >= sealsPerEphemeralMax) this.#rotate();
    const nonce = this.#nonces.subarray(this.#uses * 24, (this.#uses + 1) * 24);
    this.#uses += 1;
    const box = nacl.box.after(encoder.encode(plaintext), nonce, this.#key);
    return toBase64(Buffer.concat([this.#ephemeralPublic, nonce, box]));
  }

  #rotate(): void {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    this.#ephemeralPublic = publicKey.export({ format: 'der', type: 'spki' }).subarray(spkiPrefix.length);
    this.#key = sharedKey(privateKey, this.#recipient);
    this.#nonces = randomBytes(24 * sealsPerEphemeralMax);
    this.#uses = 0;
  }
}

/** Opens boxes sealed to one key pair. Returns undefined for anything that does not open. */
export class Opener {
  readonly #privateKey: KeyObject;
  readonly #keys = new Map<string, Uint8Array>();

  constructor(secretKey: string) {
    const raw = key32FromBase64(secretKey, 'seal secret key');
    this.#privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, raw]), format: 'der', type: 'pkcs8' });
  }

  open(sealed: string): string | undefined {
    const bytes = fromBase64(sealed);
    if (bytes === undefined || bytes.length < headerBytes + nacl.box.overheadLength) return undefined;
    let opened: Uint8Array | null;
    try {
      const k = this.#sharedKey(bytes.subarray(0, 32));
      opened = nacl.box.open.after(bytes.subarray(headerBytes), bytes.subarray(32, headerBytes), k);
    } catch {
      return undefined; // a public key OpenSSL refuses (e.g. a low-order point) opens nothing
    }
    if (opened === null) return undefined;
    try {
      return decoder.decode(opened);
    } catch {
      return undefined;
    }
  }

  #sharedKey(ephemeralPublic: Uint8Array): Uint8Array {
    const id = toBase64(ephemeralPublic);
    let k = this.#keys.get(id);
    if (k === undefined) {
      k = sharedKey(this.#privateKey, ephemeralPublic);
      if (this.#keys.size >= sharedKeyCacheMax) this.#keys.clear();
      this.#keys.set(id, k);
    }
    return k;
  }
}
