/**
 * Request budgets are counted after authentication: per verified agent, per staff token, per
 * source address for whoever authenticates as nobody, and a budget of their own for /healthz,
 * /readyz and /metrics. Every request here comes from one address (inject: 127.0.0.1), as
 * agents behind one carrier NAT would, so a budget keyed by address alone would fail them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { generateSigningKeyPair } from '../../protocol/crypto/ed25519.ts';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { enroll, newAgent, row, signedHeaders, tahap, tempStore, testConfig, type TempStore } from './helpers.ts';
import type { TestAgent } from './helpers.ts';
import { observableState } from './store/observable.ts';

let t: TempStore;
let app: FastifyInstance | undefined;
let agentA: TestAgent;
let agentB: TestAgent;
const tokens = { viewer: '', admin: '' };
const now = 1_800_000_000_000;

beforeEach(async () => {
  t = await tempStore();
  agentA = newAgent('AGT-001');
  agentB = newAgent('AGT-002');
  await enroll(t.store, agentA, ['KPM-0001']);
  await enroll(t.store, agentB, ['KPM-0002']);
  await t.store.applyDisbursements([row('KPM-0001', 750_000), row('KPM-0002', 600_000)], {
    fileSha256: 'a'.repeat(64),
    now: 1,
  });
  for (const role of ['viewer', 'admin'] as const) {
    const { token, record } = newToken(role, `staff-${role}`, 1);
    await t.store.putToken(record);
    tokens[role] = token;
  }
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await t.cleanup();
});

async function build(overrides: Record<string, unknown>): Promise<FastifyInstance> {
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(overrides), now: () => now })).app;
  return app;
}

function head(gw: FastifyInstance, signer: TestAgent, claimed = signer.agentId) {
  const url = `/v1/agents/${claimed}/head`;
  return gw.inject({ url, headers: signedHeaders({ ...signer, agentId: claimed }, 'GET', url, '', { now }) });
}

function summary(gw: FastifyInstance, token: string) {
  return gw.inject({ url: `/v1/staff/tahap/${tahap}/summary`, headers: { authorization: `Bearer ${token}` } });
}

function expectRateLimited(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }): void {
  expect(res.statusCode).toBe(429);
  expect(res.json()).toMatchObject({ statusCode: 429, code: 'EDC_ERR_RATE_LIMITED' });
  expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
}

describe('rate limits are counted after authentication', () => {
  it('25 forged requests claiming agent B do not lock the genuine agent B out', async () => {
    const gw = await build({ rateRequestsMax: 20 });
    const forger = { ...agentB, ...generateSigningKeyPair() };
    for (let i = 0; i < 25; i++) expect([401, 429]).toContain((await head(gw, forger)).statusCode);
    const genuine = await head(gw, agentB);
    expect(genuine.statusCode, genuine.body).toBe(200);
  });

  it("25 calls to /healthz do not give the admin's staff summary a 429", async () => {
    const gw = await build({ rateRequestsMax: 20 });
    for (let i = 0; i < 25; i++) expect((await gw.inject({ url: '/healthz' })).statusCode).toBe(200);
    const res = await summary(gw, tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
  });

  it('an agent over its budget gets 429 with Retry-After; another agent at the same address does not', async () => {
    const gw = await build({ rateRequestsMax: 3 });
    for (let i = 0; i < 3; i++) expect((await head(gw, agentA)).statusCode).toBe(200);
    const before = await observableState(t.store, { tahaps: [tahap] });
    expectRateLimited(await head(gw, agentA));
    expect(await observableState(t.store, { tahaps: [tahap] })).toEqual(before);
    expect((await head(gw, agentB)).statusCode).toBe(200);
    expect((await summary(gw, tokens.viewer)).statusCode).toBe(200);
  });

  it('a replayed request counts against its source address, never against the agent it was captured from', async () => {
    const gw = await build({ rateRequestsMax: 3, rateAddressRequestsMax: 100 });
    const url = '/v1/agents/AGT-001/head';
    const headers = signedHeaders(agentA, 'GET', url, '', { now });
    expect((await gw.inject({ url, headers })).statusCode).toBe(200);
    for (let i = 0; i < 10; i++)
      expect((await gw.inject({ url, headers })).json()).toMatchObject({ code: 'EDC_ERR_AUTH_REPLAY' });
    expect((await head(gw, agentA)).statusCode).toBe(200);
    expect((await head(gw, agentA)).statusCode).toBe(200);
    expectRateLimited(await head(gw, agentA));
  });

  it('each staff token has its own budget, counted before its role is checked', async () => {
    const gw = await build({ rateStaffRequestsMax: 3 });
    const audit = () => gw.inject({ url: '/v1/staff/audit', headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect((await audit()).statusCode).toBe(403);
    expect((await summary(gw, tokens.viewer)).statusCode).toBe(200);
    expect((await summary(gw, tokens.viewer)).statusCode).toBe(200);
    expectRateLimited(await summary(gw, tokens.viewer));
    expect((await summary(gw, tokens.admin)).statusCode).toBe(200);
    expect((await head(gw, agentA)).statusCode).toBe(200);
  });

  it('traffic that authenticates as nobody shares one budget per address; genuine agents and staff pass', async () => {
    const gw = await build({ rateAddressRequestsMax: 5 });
    const bad = [
      () => summary(gw, 'edcst_' + 'x'.repeat(43)),
      () => gw.inject({ url: `/v1/staff/tahap/${tahap}/summary` }),
      () => gw.inject({ url: '/v1/agents/AGT-001/head' }),
      () =>
        gw.inject({
          method: 'POST',
          url: '/v1/agents/AGT-001/uploads',
          payload: 'x',
          headers: { 'content-type': 'text/plain' },
        }),
      () => gw.inject({ url: '/nowhere' }),
    ];
    for (const send of bad) expect((await send()).statusCode).not.toBe(429);
    for (const send of bad) expectRateLimited(await send());
    const audited = await t.store.audit({ limit: 100 });
    // The two refused staff requests within the budget are audited; the ones over it are not.
    expect(audited.items.map((a) => a.details.status)).toEqual([401, 401]);
    expectRateLimited(await gw.inject({ url: '/dashboard' }));
    expect((await head(gw, agentA)).statusCode).toBe(200);
    expect((await summary(gw, tokens.viewer)).statusCode).toBe(200);
    expect((await gw.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('/healthz, /readyz and /metrics have a budget of their own that no other traffic touches', async () => {
    const gw = await build({ rateOpsRequestsMax: 6, rateAddressRequestsMax: 2 });
    for (let i = 0; i < 5; i++) expect((await gw.inject({ url: '/nowhere' })).statusCode).toBeGreaterThanOrEqual(404);
    for (const url of ['/healthz', '/readyz', '/metrics', '/healthz', '/readyz', '/metrics'])
      expect((await gw.inject({ url })).statusCode, url).toBe(200);
    expectRateLimited(await gw.inject({ url: '/healthz' }));
    expect((await head(gw, agentA)).statusCode).toBe(200);
    expect((await summary(gw, tokens.admin)).statusCode).toBe(200);
  });
});
