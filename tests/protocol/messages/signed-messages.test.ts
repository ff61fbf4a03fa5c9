import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../../protocol/crypto/ed25519.ts';
import {
  SignedEntitlementSet,
  SignedReceipt,
  type EntitlementSetBody,
  type ReceiptBody,
} from '../../../protocol/messages/schemas.ts';
import { signRequest, verifyRequestSignature, requestHeaders } from '../../../protocol/messages/request-signing.ts';
import {
  signBundleManifest,
  signEntitlementSet,
  signReceipt,
  verifyBundleManifest,
  verifyEntitlementSet,
  verifyReceipt,
} from '../../../protocol/messages/signed.ts';
import {
  agentPublicKey,
  agentSeed,
  gatewayPublicKey,
  gatewaySeed,
  lookupKey,
  makeChain,
  sealKeys,
} from './fixtures.ts';

const chain = makeChain(3);
const receiptBody: ReceiptBody = {
  v: 1,
  receiptId: '01KAQ000000000000000000R01',
  agentId: 'AGT-BRI-0001',
  ackSeq: 3,
  ackHash: chain[2]!.hash,
  accepted: 3,
  duplicates: 0,
  receivedAt: 1_795_000_100_000,
};
const setBody: EntitlementSetBody = {
  v: 1,
  setId: '01KAQ0000000000000000SET01',
  agentId: 'AGT-BRI-0001',
  tahap: '2026-IV',
  issuedAt: 1_795_000_000_000,
  expiresAt: 1_795_604_800_000,
  basedOnSeq: 0,
  lookupKey,
  sealKey: sealKeys.publicKey,
  limits: { withdrawalAmountMax: 3_000_000, cashFloat: 20_000_000, queueEntriesMax: 5000 },
  entitlements: [{ kpmId: 'KPM-000001', panHash: 'a'.repeat(64), remaining: 750_000 }],
};

describe('gateway-signed messages', () => {
  it('a signed receipt parses strictly and verifies only with the gateway key and unaltered', () => {
    const receipt = SignedReceipt.parse(JSON.parse(JSON.stringify(signReceipt(receiptBody, gatewaySeed))));
    expect(verifyReceipt(receipt, gatewayPublicKey)).toBe(true);
    expect(verifyReceipt(receipt, agentPublicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, ackSeq: 4 }, gatewayPublicKey)).toBe(false);
  });

  it('an entitlement set verifies, and raising any remaining amount breaks it', () => {
    const set = SignedEntitlementSet.parse(signEntitlementSet(setBody, gatewaySeed));
    expect(verifyEntitlementSet(set, gatewayPublicKey)).toBe(true);
    const raised = { ...set, entitlements: [{ ...set.entitlements[0]!, remaining: 750_001 }] };
    expect(verifyEntitlementSet(raised, gatewayPublicKey)).toBe(false);
  });

  it('a bundle manifest signed by the agent verifies with the agent key only', () => {
    const manifest = signBundleManifest(
      {
        v: 1,
        bundleId: '01KAQ000000000000000000B01',
        agentId: 'AGT-BRI-0001',
        createdAt: 1,
        fromSeq: 1,
        toSeq: 3,
        headHash: chain[2]!.hash,
      },
      agentSeed,
    );
    expect(verifyBundleManifest(manifest, agentPublicKey)).toBe(true);
    expect(verifyBundleManifest({ ...manifest, toSeq: 2 }, agentPublicKey)).toBe(false);
  });
});

describe('signRequest()', () => {
  const request = { method: 'POST', path: '/v1/agents/AGT-BRI-0001/uploads', body: '{"v":1}' };
  const headers = signRequest(request, {
    agentId: 'AGT-BRI-0001',
    seed: agentSeed,
    now: 1_795_000_000_000,
    nonce: 'f'.repeat(32),
  });

  it('produces the four headers, verifiable over method, path, timestamp, nonce and body', () => {
    expect(Object.keys(headers).sort()).toEqual(Object.values(requestHeaders).sort());
    const signed = { ...request, timestamp: 1_795_000_000_000, nonce: 'f'.repeat(32) };
    const sig = headers[requestHeaders.signature]!;
    expect(verifyRequestSignature(signed, sig, agentPublicKey)).toBe(true);
    expect(verifyRequestSignature({ ...signed, body: '{"v":2}' }, sig, agentPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...signed, path: '/v1/agents/AGT-BRI-0002/uploads' }, sig, agentPublicKey)).toBe(
      false,
    );
    expect(verifyRequestSignature({ ...signed, timestamp: 1_795_000_000_001 }, sig, agentPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...signed, method: 'get' }, sig, agentPublicKey)).toBe(false);
    expect(verifyRequestSignature(signed, sig, generateSigningKeyPair().publicKey)).toBe(false);
  });

  it('draws a fresh nonce per request by default', () => {
    const a = signRequest(request, { agentId: 'AGT-BRI-0001', seed: agentSeed });
    const b = signRequest(request, { agentId: 'AGT-BRI-0001', seed: agentSeed });
    expect(a[requestHeaders.nonce]).toMatch(/^[0-9a-f]{32}$/);
    expect(a[requestHeaders.nonce]).not.toBe(b[requestHeaders.nonce]);
  });
});

describe('parseMessage()', () => {
  it('returns the typed value or throws EDC_ERR_MESSAGE_INVALID listing each path', async () => {
    const { parseMessage } = await import('../../../protocol/messages/parse.ts');
    const receipt = signReceipt(receiptBody, gatewaySeed);
    expect(parseMessage(SignedReceipt, receipt, 'receipt')).toEqual(receipt);
    expect(() => parseMessage(SignedReceipt, { ...receipt, ackSeq: -1, bogus: true }, 'receipt')).toThrow(
      expect.objectContaining({
        code: 'EDC_ERR_MESSAGE_INVALID',
        message: expect.stringMatching(/^Cannot accept receipt: /),
        details: { issues: expect.arrayContaining([expect.objectContaining({ path: 'ackSeq' })]) },
      }),
    );
  });
});
