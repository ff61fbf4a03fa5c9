/** Makes a gateway's key material: signing (Ed25519), sealing (X25519) and look-up (HMAC). */
import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair } from '../protocol/crypto/ed25519.ts';
import { generateSealKeyPair } from '../protocol/crypto/seal.ts';
import { toBase64 } from '../protocol/crypto/encoding.ts';
import type { GatewayKeys } from './config.ts';

export function generateGatewayKeys(random: (n: number) => Uint8Array = randomBytes): GatewayKeys {
  const signing = generateSigningKeyPair(random);
  const seal = generateSealKeyPair(random);
  return {
    v: 1,
    signingSeed: signing.seed,
    signingPublicKey: signing.publicKey,
    sealSecretKey: seal.secretKey,
    sealPublicKey: seal.publicKey,
    lookupKey: toBase64(random(32)),
  };
}
