/**
 * protocol's keyedHash (HMAC-SHA256, hex) with the key decoded and imported once: an import
 * hashes a PAN and a NIK per row under the same look-up key, and decoding and checking the
 * base64 key per call cost as much as the HMAC. Tests hold it equal to protocol keyedHash.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { key32FromBase64 } from '../../protocol/crypto/encoding.ts';

export class KeyedHasher {
  readonly #key: KeyObject;

  constructor(lookupKey: string) {
    this.#key = createSecretKey(key32FromBase64(lookupKey, 'look-up key'));
  }

  hash(value: string): string {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest('hex');
  }
}
