import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signingBytes } from '../../../protocol/crypto/canonical.ts';
import { LedgerEntry, SignedReceipt } from '../../../protocol/messages/schemas.ts';
import {
  domains,
  entryBody,
  findChainBreak,
  genesisHead,
  signReceipt,
  verifyReceipt,
} from '../../../protocol/messages/signed.ts';
import { agentPublicKey, agentSeed, gatewayPublicKey, gatewaySeed, makeChain } from './fixtures.ts';

/**
 * protocol/vectors/entries.json: signed, chained entries with the exact bytes that were hashed
 * and signed, for implementations written from protocol/README.md. Regenerate with
 * UPDATE_VECTORS=1 npx vitest run tests/protocol/messages/vectors.test.ts (only after a
 * deliberate, versioned change to the format).
 */
const file = new URL('../../../protocol/vectors/entries.json', import.meta.url);

function buildVectors(): unknown {
  const chain = makeChain(4);
  const receipt = signReceipt(
    {
      v: 1,
      receiptId: '01KAQ000000000000000000R01',
      agentId: 'AGT-BRI-0001',
      ackSeq: 4,
      ackHash: chain[3]!.hash,
      accepted: 4,
      duplicates: 0,
      receivedAt: 1_795_000_100_000,
    },
    gatewaySeed,
  );
  return {
    about:
      'Entries of one agent chain (seq 1..4, the 4th a reversal) and a receipt.' +
      ' signingBytes is the UTF-8 text that is SHA-256 hashed (hash) and Ed25519 signed (sig).' +
      ' Keys: 32-byte seeds and public keys, base64.',
    agent: { agentId: 'AGT-BRI-0001', seed: agentSeed, publicKey: agentPublicKey },
    gateway: { seed: gatewaySeed, publicKey: gatewayPublicKey },
    entries: chain.map((entry) => ({
      signingBytes: Buffer.from(signingBytes(domains.entry, entryBody(entry))).toString('utf8'),
      entry,
    })),
    receipt: {
      signingBytes: Buffer.from(signingBytes(domains.receipt, { ...receipt, sig: undefined })).toString('utf8'),
      receipt,
    },
  };
}

describe('protocol/vectors/entries.json', () => {
  if (process.env.UPDATE_VECTORS === '1') writeFileSync(file, `${JSON.stringify(buildVectors(), null, 2)}\n`);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as {
    entries: { signingBytes: string; entry: unknown }[];
    receipt: { signingBytes: string; receipt: unknown };
  };

  it('is exactly what the code produces today (the signed format has not drifted)', () => {
    expect(stored).toEqual(buildVectors());
  });

  it('holds entries that parse strictly, chain from genesis and verify with the agent key', () => {
    const entries = stored.entries.map((v) => LedgerEntry.parse(v.entry));
    expect(findChainBreak(entries, genesisHead, agentPublicKey)).toBeUndefined();
    for (const [i, v] of stored.entries.entries()) {
      expect(v.signingBytes.startsWith('edc.entry.v1\n{"agentId":"AGT-BRI-0001","amount":')).toBe(true);
      expect(Buffer.from(signingBytes(domains.entry, entryBody(entries[i]!))).toString('utf8')).toBe(v.signingBytes);
    }
    expect(verifyReceipt(SignedReceipt.parse(stored.receipt.receipt), gatewayPublicKey)).toBe(true);
  });
});
