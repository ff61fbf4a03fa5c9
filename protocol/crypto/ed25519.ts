/**
 * Ed25519 (RFC 8032) signatures. Keys travel as the 32-byte seed (secret) and the 32-byte public
 * key, base64. The hot path is node:crypto (OpenSSL), roughly 150x faster here than tweetnacl;
 * tweetnacl is kept as the reference implementation the tests hold the fast path against (both
 * produce byte-identical signatures, Ed25519 being deterministic).
 */
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import nacl from 'tweetnacl';
import { ERR_KEY_FORMAT, ERR_SIGNATURE_FORMAT } from './errors.ts';
import { fromBase64, key32FromBase64, toBase64 } from './encoding.ts';

export interface Ed25519KeyPair {
  /** 32-byte seed, base64. Secret. */
  readonly seed: string;
  /** 32-byte public key, base64. */
  readonly publicKey: string;
}

// DER prefixes that wrap a raw 32-byte Ed25519 key as PKCS#8 (private) or SPKI (public):
// RFC 8410 section 7 and 4. node:crypto has no raw-key import for Ed25519 in Node 20.
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();
const keyCacheMax = 4096;

function cached(cache: Map<string, KeyObject>, key: string, make: () => KeyObject): KeyObject {
  let found = cache.get(key);
  if (found === undefined) {
    found = make();
    if (cache.size >= keyCacheMax) cache.clear();
    cache.set(key, found);
  }
  return found;
}

function privateKeyObject(seed: string): KeyObject {
  return cached(privateKeys, seed, () => {
    const raw = key32FromBase64(seed, 'Ed25519 seed');
    return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, raw]), format: 'der', type: 'pkcs8' });
  });
}

function publicKeyObject(publicKey: string): KeyObject {
  return cached(publicKeys, publicKey, () => {
    const raw = key32FromBase64(publicKey, 'Ed25519 public key');
    return createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: 'der', type: 'spki' });
  });
}

/** Derives the public key of a seed (RFC 8032 section 5.1.5). */
export function publicKeyFromSeed(seed: string): string {
  const der = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return toBase64(der.subarray(spkiPrefix.length));
}

export function generateSigningKeyPair(random: (n: number) => Uint8Array = randomBytes): Ed25519KeyPair {
  const seed = toBase64(random(32));
  return { seed, publicKey: publicKeyFromSeed(seed) };
}

/** Signs `message` with node:crypto; returns the 64-byte signature as base64. */
export function sign(message: Uint8Array, seed: string): string {
  return toBase64(nodeSign(null, message, privateKeyObject(seed)));
}

/** Verifies with node:crypto. A malformed signature is a failed verification, never a throw. */
export function verify(message: Uint8Array, signature: string, publicKey: string): boolean {
  const sig = fromBase64(signature);
  if (sig === undefined || sig.length !== 64) return false;
  return nodeVerify(null, message, publicKeyObject(publicKey), sig);
}

/**
 * Domain-separated signing of a binary body: the signature covers `domain + "\n" + octets`, so a
 * signature made for one message kind (a checkpoint, a struk proof) never verifies as another.
 * Returns the 64-byte signature; verifyInDomain takes it as lower-case hex, as the messages carry it.
 */
export function signInDomain(domain: string, octets: Uint8Array, seed: string): Buffer {
  return Buffer.from(sign(domainOctets(domain, octets), seed), 'base64');
}

export function verifyInDomain(domain: string, octets: Uint8Array, signatureHex: string, publicKey: string): boolean {
  return verify(domainOctets(domain, octets), Buffer.from(signatureHex, 'hex').toString('base64'), publicKey);
}

function domainOctets(domain: string, octets: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${domain}\n`, 'utf8'), octets]);
}

const referenceSecretKeys = new Map<string, Uint8Array>();

/** Reference implementation (tweetnacl): same inputs and outputs as `sign`. */
export function signReference(message: Uint8Array, seed: string): string {
  let secretKey = referenceSecretKeys.get(seed);
  if (secretKey === undefined) {
    secretKey = nacl.sign.keyPair.fromSeed(key32FromBase64(seed, 'Ed25519 seed')).secretKey;
    if (referenceSecretKeys.size >= keyCacheMax) referenceSecretKeys.clear();
    referenceSecretKeys.set(seed, secretKey);
  }
  return toBase64(nacl.sign.detached(message, secretKey));
}

/** Reference implementation (tweetnacl): same inputs and outputs as `verify`. */
export function verifyReference(message: Uint8Array, signature: string, publicKey: string): boolean {
  const sig = fromBase64(signature);
  if (sig === undefined || sig.length !== 64) return false;
  return nacl.sign.detached.verify(message, sig, key32FromBase64(publicKey, 'Ed25519 public key'));
}

export function publicKeyFromSeedReference(seed: string): string {
  return toBase64(nacl.sign.keyPair.fromSeed(key32FromBase64(seed, 'Ed25519 seed')).publicKey);
}

/** Throws EDC_ERR_SIGNATURE_FORMAT unless `signature` is 64 bytes of base64. */
export function assertSignatureFormat(signature: string): void {
  const sig = fromBase64(signature);
  if (sig === undefined || sig.length !== 64) {
    throw new ERR_SIGNATURE_FORMAT(
      `Cannot use signature: expected 64 bytes of base64, ` +
        `found ${sig === undefined ? 'invalid base64' : `${sig.length} bytes`}`,
    );
  }
}

export { ERR_KEY_FORMAT };
