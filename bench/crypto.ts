/**
 * Ed25519 sign and verify per second: node:crypto (the hot path) against tweetnacl (the
 * reference), same messages and keys, same process. Run: npx tsx bench/crypto.ts [--quick]
 */
import { generateSigningKeyPair, sign, signReference, verify, verifyReference } from '../protocol/crypto/ed25519.ts';
import { generateSealKeyPair, seal, sealReference } from '../protocol/crypto/seal.ts';
import { against, finish, opsPerSecond, quick, summarize } from './harness.ts';

const repeats = quick() ? 3 : 5;
const nodeOps = quick() ? 2_000 : 10_000;
// tweetnacl is ~60x slower: fewer operations keep each repeat about as long as node's.
const naclOps = quick() ? 50 : 150;
const { seed, publicKey } = generateSigningKeyPair();
const message = new Uint8Array(300).fill(42); // about the size of a ledger entry's signing bytes
const signature = sign(message, seed);

const loop = (ops: number, fn: () => unknown) => () => {
  for (let i = 0; i < ops; i++) fn();
};

const nodeSign = summarize(
  'ed25519 sign, node:crypto',
  'ops/s',
  opsPerSecond(
    repeats,
    nodeOps,
    loop(nodeOps, () => sign(message, seed)),
  ),
);
const naclSign = summarize(
  'ed25519 sign, tweetnacl',
  'ops/s',
  opsPerSecond(
    repeats,
    naclOps,
    loop(naclOps, () => signReference(message, seed)),
  ),
);
const nodeVerify = summarize(
  'ed25519 verify, node:crypto',
  'ops/s',
  opsPerSecond(
    repeats,
    nodeOps,
    loop(nodeOps, () => verify(message, signature, publicKey)),
  ),
);
const naclVerify = summarize(
  'ed25519 verify, tweetnacl',
  'ops/s',
  opsPerSecond(
    repeats,
    naclOps,
    loop(naclOps, () => verifyReference(message, signature, publicKey)),
  ),
);

const sealKeys = generateSealKeyPair();
const sealOps = quick() ? 200 : 1_000;
const fastSeal = summarize(
  'seal PAN, OpenSSL X25519 + secretbox',
  'ops/s',
  opsPerSecond(
    repeats,
    sealOps,
    loop(sealOps, () => seal('5264221234567890', sealKeys.publicKey)),
  ),
);
const naclSeal = summarize(
  'seal PAN, tweetnacl box',
  'ops/s',
  opsPerSecond(
    repeats,
    naclOps,
    loop(naclOps, () => sealReference('5264221234567890', sealKeys.publicKey)),
  ),
);

const figures = [
  nodeSign,
  against(naclSign, nodeSign),
  nodeVerify,
  against(naclVerify, nodeVerify),
  fastSeal,
  against(naclSeal, fastSeal),
];
finish('crypto', 'Ed25519 on 300-byte messages; sealing a 16-digit PAN', figures);
