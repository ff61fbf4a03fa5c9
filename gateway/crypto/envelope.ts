/**
 * Envelope encryption of the gateway's own data at rest (PAN, NIK and name of imported rows).
 *
 * Why: sealing each row to the gateway's X25519 key (the protocol's sealed box) costs a public-key
 * operation, or at best a pure-JS XSalsa20-Poly1305, per row, and 96 bytes of overhead. The gateway
 * holds its own key anyway, so it seals with AES-256-GCM (OpenSSL, about a microsecond) under a
 * random 32-byte data key, and keeps each data key only wrapped by a key-encryption key that is
 * derived from its X25519 secret key (keys.json): HKDF-SHA256(sealSecretKey, info
 * "edc-gateway data-key wrap v1"). A wrapped key is worthless without keys.json, and only the
 * holder of keys.json can make one (a forged or damaged record does not unwrap: its GCM tag fails).
 *
 * A sealed value is text: "~" then base64 of
 *
 *   keyId (2 bytes, big-endian, 1..dataKeysMax) || iv (12 random bytes) || ciphertext || tag (16 bytes)
 *
 * with the 2 key-id bytes as GCM additional data. 30 bytes of overhead (a sealed box: 72). "~" never
 * begins base64, so an X25519 sealed box (plain base64) and an envelope are told apart by their
 * first character, and both keep opening (gateway/crypto/fast-seal.ts Opener).
 *
 * Rotation adds a data key with the next id; new seals use the newest id, every id the ring holds
 * keeps opening. Random 96-bit IVs are safe for 2^32 seals per data key (NIST SP 800-38D 8.3):
 * rotate before a key has sealed that many values (a tahap of 10 million KPM rows is 2^23.3).
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { fromBase64, key32FromBase64 } from '../../protocol/crypto/encoding.ts';
import { ERR_DATA_KEY_DAMAGED, ERR_DATA_KEY_UNKNOWN, ERR_DATA_KEYS_FULL } from '../errors.ts';

/** First character of an envelope-sealed value. */
export const envelopeMarker = '~';
/** Key ids are 2 bytes: at most this many data keys (rotations + 1) over a gateway's life. */
export const dataKeysMax = 65_535;
const keyIdBytes = 2;
const ivBytes = 12;
const tagBytes = 16;
const dataKeyBytes = 32;
export const envelopeOverheadBytes = keyIdBytes + ivBytes + tagBytes;
/** IVs drawn per randomBytes call: one call per seal costs more than the encryption. */
const ivsPerDraw = 1024;
const wrapInfo = 'edc-gateway data-key wrap v1';

/** A data key as stored: wrapped under the key-encryption key, with its id bound as GCM additional data. */
export interface WrappedDataKey {
  readonly v: 1;
  readonly keyId: number;
  /** base64(iv 12 || encrypted key 32 || tag 16). */
  readonly wrapped: string;
  readonly createdAt: number;
}

function keyIdHeader(keyId: number): Buffer {
  const header = Buffer.alloc(keyIdBytes);
  header.writeUInt16BE(keyId, 0);
  return header;
}

function validKeyId(keyId: unknown): keyId is number {
  return Number.isInteger(keyId) && (keyId as number) >= 1 && (keyId as number) <= dataKeysMax;
}

/** The data keys of one gateway, unwrapped in memory. */
export class DataKeyRing {
  readonly #kek: Buffer;
  /** As KeyObjects: createCipheriv with a raw Buffer imports the key again on every call. */
  readonly #keys = new Map<number, KeyObject>();
  #newest = 0;

  constructor(sealSecretKey: string) {
    const secret = key32FromBase64(sealSecretKey, 'seal secret key');
    this.#kek = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), wrapInfo, dataKeyBytes));
  }

  /** The id new seals use; 0 while the ring holds no key. */
  get newestId(): number {
    return this.#newest;
  }

  get size(): number {
    return this.#keys.size;
  }

  key(keyId: number): KeyObject | undefined {
    return this.#keys.get(keyId);
  }

  /** Unwraps a stored record into the ring; a record that does not unwrap is EDC_ERR_DATA_KEY_DAMAGED. */
  add(record: WrappedDataKey): void {
    const bytes = typeof record.wrapped === 'string' ? fromBase64(record.wrapped) : undefined;
    if (!validKeyId(record.keyId) || bytes?.length !== ivBytes + dataKeyBytes + tagBytes)
      throw new ERR_DATA_KEY_DAMAGED(
        `Cannot load data key ${String(record.keyId)}: expected a key id in 1..${dataKeysMax} and ` +
          `${ivBytes + dataKeyBytes + tagBytes} wrapped bytes, found ${bytes?.length ?? 'no base64'}`,
      );
    const decipher = createDecipheriv('aes-256-gcm', this.#kek, bytes.subarray(0, ivBytes));
    decipher.setAAD(keyIdHeader(record.keyId));
    decipher.setAuthTag(bytes.subarray(ivBytes + dataKeyBytes));
    let key: Buffer;
    try {
      key = Buffer.concat([decipher.update(bytes.subarray(ivBytes, ivBytes + dataKeyBytes)), decipher.final()]);
    } catch {
      throw new ERR_DATA_KEY_DAMAGED(
        `Cannot load data key ${record.keyId}: it does not unwrap with this gateway's keys.json ` +
          '(altered, or written by another gateway)',
      );
    }
    this.#keys.set(record.keyId, createSecretKey(key));
    key.fill(0);
    if (record.keyId > this.#newest) this.#newest = record.keyId;
  }

  /** A new random data key with the next id, wrapped for storing; the caller stores it, then add()s it. */
  next(createdAt: number): WrappedDataKey {
    const keyId = this.#newest + 1;
    if (keyId > dataKeysMax) throw new ERR_DATA_KEYS_FULL(`Cannot add a data key: all ${dataKeysMax} key ids are used`);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#kek, iv);
    cipher.setAAD(keyIdHeader(keyId));
    const encrypted = Buffer.concat([cipher.update(randomBytes(dataKeyBytes)), cipher.final()]);
    const wrapped = Buffer.concat([iv, encrypted, cipher.getAuthTag()]).toString('base64');
    return { v: 1, keyId, wrapped, createdAt };
  }
}

/** Seals text under the ring's newest data key (`Sealer.seal` interface of the stores). */
export class EnvelopeSealer {
  #ivs = Buffer.alloc(0);
  #ivUsed = ivsPerDraw;

  constructor(private readonly ring: DataKeyRing) {}

  seal(plaintext: string): string {
    const keyId = this.ring.newestId;
    const key = this.ring.key(keyId);
    if (key === undefined) throw new ERR_DATA_KEY_UNKNOWN('Cannot seal: the gateway store holds no data key yet');
    if (this.#ivUsed >= ivsPerDraw) {
      this.#ivs = randomBytes(ivBytes * ivsPerDraw);
      this.#ivUsed = 0;
    }
    const iv = this.#ivs.subarray(this.#ivUsed * ivBytes, (this.#ivUsed + 1) * ivBytes);
    this.#ivUsed += 1;
    const header = keyIdHeader(keyId);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(header);
    const body = cipher.update(plaintext, 'utf8');
    const last = cipher.final();
    return envelopeMarker + Buffer.concat([header, iv, body, last, cipher.getAuthTag()]).toString('base64');
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Opens an envelope-sealed value. undefined when it does not open (not base64, too short, altered
 * bytes: the tag fails); a key id the ring does not hold is EDC_ERR_DATA_KEY_UNKNOWN, never a silent
 * undefined: a row that cannot be opened must not be counted as an unknown card.
 */
export function openEnvelope(ring: DataKeyRing | undefined, sealed: string): string | undefined {
  const bytes = fromBase64(sealed.slice(envelopeMarker.length));
  if (bytes === undefined || bytes.length < envelopeOverheadBytes) return undefined;
  const keyId = (bytes[0]! << 8) | bytes[1]!;
  const key = ring?.key(keyId);
  if (key === undefined)
    throw new ERR_DATA_KEY_UNKNOWN(
      `Cannot open a sealed value: data key ${keyId} is not in this store (held: 1..${ring?.newestId ?? 0})`,
    );
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(keyIdBytes, keyIdBytes + ivBytes));
  decipher.setAAD(bytes.subarray(0, keyIdBytes));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  try {
    const body = decipher.update(bytes.subarray(keyIdBytes + ivBytes, bytes.length - tagBytes));
    return decoder.decode(Buffer.concat([body, decipher.final()]));
  } catch {
    return undefined;
  }
}
