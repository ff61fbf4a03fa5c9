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
 *
 * The stores now seal their own rows with envelope encryption (crypto/envelope.ts: AES-256-GCM
 * under a data key); this Sealer is what agents do (and the benches, acting as agents). The Opener
 * opens both: values sealed before envelope encryption, and PANs agents seal to the gateway.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { envelopeMarker, openEnvelope, type DataKeyRing } from './envelope.ts';
import nacl from 'tweetnacl';
import { key32FromBase64, toBase64 } from '../../protocol/crypto/encoding.ts';
import {
  boxKey,
  freshX25519,
  packSealed,
  unpackSealed,
  x25519PrivateKeyObject,
  x25519PublicKeyObject,
} from '../../protocol/crypto/seal.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** What a store seals its rows with: a box Sealer or an EnvelopeSealer. */
export interface SealsText {
  seal(plaintext: string): string;
}

/** Seals to one recipient; keeps the recipient's key object so each seal costs one X25519. */
export const sealsPerEphemeralMax = 1024;
const sharedKeyCacheMax = 4096;

export class Sealer {
  readonly #recipient: KeyObject;
  #ephemeralPublic: Uint8Array = new Uint8Array(0);
  #key: Uint8Array = new Uint8Array(32);
  #uses = sealsPerEphemeralMax;
  /** Random nonces for the current ephemeral key, drawn in one call: randomBytes per seal cost more than the box. */
  #nonces = Buffer.alloc(0);

  constructor(recipientPublicKey: string) {
    this.#recipient = x25519PublicKeyObject(key32FromBase64(recipientPublicKey, 'seal public key'));
  }

  seal(plaintext: string): string {
    if (this.#uses >= sealsPerEphemeralMax) this.#rotate();
    const nonce = this.#nonces.subarray(this.#uses * 24, (this.#uses + 1) * 24);
    this.#uses += 1;
    return packSealed(this.#ephemeralPublic, nonce, nacl.box.after(encoder.encode(plaintext), nonce, this.#key));
  }

  #rotate(): void {
    // Not generateKeyPairSync + export: that pair can hang the process (see freshX25519).
    const { privateKey, publicKeyBytes } = freshX25519();
    this.#ephemeralPublic = publicKeyBytes;
    this.#key = boxKey(privateKey, this.#recipient);
    this.#nonces = randomBytes(24 * sealsPerEphemeralMax);
    this.#uses = 0;
  }
}

/**
 * Opens boxes sealed to one key pair, and envelopes sealed under the data keys of `ring`. Returns
 * undefined for anything that does not open; an envelope under a key id the ring lacks is
 * EDC_ERR_DATA_KEY_UNKNOWN (thrown: see openEnvelope).
 */
export class Opener {
  readonly #privateKey: KeyObject;
  readonly #keys = new Map<string, Uint8Array>();

  constructor(
    secretKey: string,
    private readonly ring?: DataKeyRing,
  ) {
    this.#privateKey = x25519PrivateKeyObject(key32FromBase64(secretKey, 'seal secret key'));
  }

  open(sealed: string): string | undefined {
    if (sealed.startsWith(envelopeMarker)) return openEnvelope(this.ring, sealed);
    const parts = unpackSealed(sealed);
    if (parts === undefined) return undefined;
    let opened: Uint8Array | null;
    try {
      const k = this.#sharedKey(parts.ephemeralPublicKey);
      opened = nacl.box.open.after(parts.box, parts.nonce, k);
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
      k = boxKey(this.#privateKey, x25519PublicKeyObject(ephemeralPublic));
      if (this.#keys.size >= sharedKeyCacheMax) this.#keys.clear();
      this.#keys.set(id, k);
    }
    return k;
  }
}
