import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { verifyReceipt, verifyEntitlementSet } from '../../protocol/messages/signed.ts';
import { SignedEntitlementSet, SignedReceipt, type LedgerEntry } from '../../protocol/messages/schemas.ts';
import { keyedHash } from '../../protocol/crypto/seal.ts';
import { buildGateway } from '../../gateway/app.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  row,
  signedHeaders,
  tahap,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
  type TestAgent,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let agent: TestAgent;
const now = 1_800_000_000_000;

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => now })).app;
  agent = newAgent('AGT-001');
  await enroll(t.store, agent, ['KPM-0001', 'KPM-0002']);
  await t.store.applyDisbursements([row('KPM-0001', 750_000), row('KPM-0002', 600_000)], {
    fileSha256: 'a'.repeat(64),
    now: 1,
  });
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

function upload(
  a: TestAgent,
  entries: LedgerEntry[],
  options: { now?: number; nonce?: string; body?: string; path?: string } = {},
) {
  const path = options.path ?? `/v1/agents/${a.agentId}/uploads`;
  const body = options.body ?? JSON.stringify({ v: 1, agentId: a.agentId, entries });
  return app.inject({
    method: 'POST',
    url: path,
    payload: body,
    headers: signedHeaders(a, 'POST', path, body, {
      now: options.now ?? now,
      ...(options.nonce ? { nonce: options.nonce } : {}),
    }),
  });
}

function get(a: TestAgent, path: string) {
  return app.inject({ method: 'GET', url: path, headers: signedHeaders(a, 'GET', path, '', { now }) });
}

describe('POST /v1/agents/:agentId/uploads', () => {
  it('stores verified entries and answers a receipt that verifies with the gateway key', async () => {
    const setId = await issueSet(t.store, agent, now + 1);
    const e1 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 250_000, pan: panOf('KPM-0001'), setId });
    const e2 = withdrawal(agent, t.keys, { kpmId: 'KPM-0002', amount: 600_000, pan: panOf('KPM-0002'), setId });
    const res = await upload(agent, [e1, e2]);
    expect(res.statusCode).toBe(200);
    const receipt = SignedReceipt.parse(res.json());
    expect(verifyReceipt(receipt, t.keys.signingPublicKey)).toBe(true);
    expect(receipt).toMatchObject({ agentId: 'AGT-001', ackSeq: 2, ackHash: e2.hash, accepted: 2, duplicates: 0 });
    expect(await t.store.entries('AGT-001', 1, 10)).toEqual([e1, e2]);
    const summary = await t.store.summary(tahap, {});
    expect(summary).toMatchObject({
      kpm: 2,
      credited: 1_350_000,
      withdrawn: 850_000,
      unclaimed: 500_000,
      kpmByCategory: { partial: { count: 1 }, matched: { count: 1 } },
      withdrawalsByCategory: { ok: { count: 2 } },
    });
  });

  it('acknowledges entries it already holds as duplicates and keeps the head', async () => {
    const e1 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001') });
    expect((await upload(agent, [e1])).statusCode).toBe(200);
    const e2 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001') });
    const res = await upload(agent, [e1, e2]);
    expect(res.json()).toMatchObject({ ackSeq: 2, accepted: 1, duplicates: 1 });
  });
});

describe('GET /v1/agents/:agentId/head and /entitlements', () => {
  it('head answers a signed receipt with accepted 0', async () => {
    const res = await get(agent, '/v1/agents/AGT-001/head');
    expect(res.statusCode).toBe(200);
    const receipt = SignedReceipt.parse(res.json());
    expect(verifyReceipt(receipt, t.keys.signingPublicKey)).toBe(true);
    expect(receipt).toMatchObject({ ackSeq: 0, accepted: 0, duplicates: 0 });
  });

  it(
    'entitlements are signed, per allocated KPM,' + ' remaining = credited - drawn, panHash under the agent lookupKey',
    async () => {
      const setId = await issueSet(t.store, agent, now + 1);
      expect(
        (
          await upload(agent, [
            withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 250_000, pan: panOf('KPM-0001'), setId }),
          ])
        ).statusCode,
      ).toBe(200);
      const res = await get(agent, '/v1/agents/AGT-001/entitlements');
      expect(res.statusCode).toBe(200);
      const set = SignedEntitlementSet.parse(res.json());
      expect(verifyEntitlementSet(set, t.keys.signingPublicKey)).toBe(true);
      expect(set).toMatchObject({
        tahap,
        basedOnSeq: 1,
        sealKey: t.keys.sealPublicKey,
        lookupKey: agent.record!.lookupKey,
        expiresAt: now + 72 * 3_600_000,
      });
      expect(set.entitlements).toEqual([
        { kpmId: 'KPM-0001', panHash: keyedHash(panOf('KPM-0001'), agent.record!.lookupKey), remaining: 500_000 },
        { kpmId: 'KPM-0002', panHash: keyedHash(panOf('KPM-0002'), agent.record!.lookupKey), remaining: 600_000 },
      ]);
    },
  );
});
