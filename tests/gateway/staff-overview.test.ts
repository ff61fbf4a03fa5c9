/**
 * The staff routes the web app needs (me, tahap list, agents overview with "behind"), the agent
 * gauges in /metrics, the bearer scheme in OpenAPI and the app's assets with their CSP.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../gateway/app.ts';
import { acceptCheckpoint } from '../../gateway/checkpoints/accept.ts';
import { encodeCheckpoint } from '../../protocol/sms/index.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { enroll, newAgent, row, signedHeaders, tempStore, testConfig, type TempStore } from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let clock = 1_800_000_000_000;
let viewer = '';
const agent = newAgent('AGT-V1');
const hour = 3_600_000;

beforeEach(async () => {
  t = await tempStore();
  clock = 1_800_000_000_000;
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => clock })).app;
  const { token, record } = newToken('viewer', 'clerk', 1);
  await t.store.putToken(record);
  viewer = token;
  await enroll(t.store, agent, ['KPM-0001']);
  await t.store.applyDisbursements([row('KPM-0001', 500_000)], { fileSha256: 'b'.repeat(64), now: 1 });
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${viewer}` } });

async function agentHead(): Promise<number> {
  const path = `/v1/agents/${agent.agentId}/head`;
  const headers = signedHeaders(agent, 'GET', path, '', { now: clock });
  return (await app.inject({ method: 'GET', url: path, headers })).statusCode;
}

describe('staff overview routes', () => {
  it("shows each agent's last SMS checkpoint beside its last upload (null before any)", async () => {
    type Row = { lastUploadAt: number | null; lastCheckpoint: unknown };
    const rows = async () => (await get('/v1/staff/agents/overview')).json<{ items: Row[] }>().items;
    expect((await rows())[0]).toMatchObject({ lastUploadAt: null, lastCheckpoint: null });
    const octets = encodeCheckpoint(
      { agentId: agent.agentId, seq: 4, at: 1_000, withdrawn: 900_000, reversed: 0, headHash: 'ab'.repeat(32) },
      agent.seed,
    );
    await acceptCheckpoint(t.store, octets, { source: 'modem', sender: '+6281100000001', receivedAt: 2_000 });
    expect((await rows())[0]).toMatchObject({
      lastCheckpoint: {
        seq: 4,
        at: 1_000,
        receivedAt: 2_000,
        withdrawn: 900_000,
        reversed: 0,
        sender: '+6281100000001',
      },
    });
  });

  it('GET /v1/staff/me answers the token name and role; /tahap lists tahap with banks', async () => {
    expect((await get('/v1/staff/me')).json()).toEqual({ name: 'clerk', role: 'viewer' });
    expect((await get('/v1/staff/tahap')).json()).toEqual({
      items: [{ tahap: '2026-IV', banks: ['BRI'], files: 1 }],
      latest: '2026-IV',
    });
    expect((await app.inject({ url: '/v1/staff/me' })).statusCode).toBe(401);
  });

  it('an agent is unknown until it calls, ok after, behind once its last call is older than the limit', async () => {
    const sync = async () => (await get('/v1/staff/agents/overview')).json<{ items: { sync: string }[] }>().items;
    expect((await sync())[0]).toMatchObject({ sync: 'unknown', lastContactAt: null, gatewayHeadSeq: 0 });
    expect(await agentHead()).toBe(200);
    expect((await sync())[0]).toMatchObject({ sync: 'ok', lastContactAt: clock });
    clock += 25 * hour;
    expect((await sync())[0]).toMatchObject({ sync: 'behind' });
    const loose = (await get('/v1/staff/agents/overview?behindAfterHours=48')).json<{ items: { sync: string }[] }>();
    expect(loose.items[0]?.sync).toBe('ok');
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('edc_gateway_agents_behind{bank="BRI"} 1');
    expect(metrics).toContain('edc_gateway_agents_last_sync{bank="BRI",age="24h_72h"} 1');
    expect(metrics).toContain('edc_gateway_agents_last_sync{bank="BRI",age="never"} 0');
    expect(metrics).toMatch(/^edc_gateway_process_resident_memory_bytes \d+/m);
    expect((await get('/v1/staff/agents/overview?behindAfterHours=0')).json()).toMatchObject({
      code: 'EDC_ERR_BODY_INVALID',
    });
  });

  it('last contact survives a gateway restart; the store is written at most once per agent per minute', async () => {
    const first = clock;
    expect(await agentHead()).toBe(200);
    expect(await t.store.agentContact(agent.agentId)).toMatchObject({ lastContactAt: first });
    clock += 30_000;
    expect(await agentHead()).toBe(200);
    // Within the minute: the process knows the newer contact, the store still holds the first.
    expect(await t.store.agentContact(agent.agentId)).toMatchObject({ lastContactAt: first });
    clock += 30_000;
    expect(await agentHead()).toBe(200);
    expect(await t.store.agentContact(agent.agentId)).toMatchObject({ lastContactAt: clock });
    const stored = clock;
    clock += 10_000;
    expect(await agentHead()).toBe(200);
    await app.close();
    app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => clock })).app;
    const items = (await get('/v1/staff/agents/overview')).json<{ items: unknown[] }>().items;
    expect(items[0]).toMatchObject({ sync: 'ok', lastContactAt: stored });
    clock += 25 * hour;
    expect((await app.inject({ url: '/metrics' })).body).toContain('edc_gateway_agents_behind{bank="BRI"} 1');
  });

  it('a failed agent request is not a contact', async () => {
    const path = `/v1/agents/${agent.agentId}/head`;
    const headers = { ...signedHeaders(agent, 'GET', path, '', { now: clock }), 'x-edc-signature': 'A'.repeat(88) };
    expect((await app.inject({ method: 'GET', url: path, headers })).statusCode).toBe(401);
    const items = (await get('/v1/staff/agents/overview')).json<{ items: { sync: string }[] }>().items;
    expect(items[0]?.sync).toBe('unknown');
  });

  it('OpenAPI declares the bearer scheme on every staff route and on no agent route', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(doc.components.securitySchemes.staffToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>))
      for (const op of Object.values(methods))
        expect(op.security).toEqual(path.startsWith('/v1/staff/') ? [{ staffToken: [] }] : undefined);
  });

  it('serves the staff app with its hashed assets under a strict CSP; an unknown asset is a coded 404', async () => {
    const html = await app.inject({ url: '/dashboard' });
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    const js = /src="(\/dashboard\/app\.[0-9a-f]{12}\.js)"/.exec(html.body)?.[1];
    const css = /href="(\/dashboard\/app\.[0-9a-f]{12}\.css)"/.exec(html.body)?.[1];
    expect((await app.inject({ url: js! })).headers['content-type']).toContain('text/javascript');
    expect((await app.inject({ url: css! })).headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/dashboard/app.000000000000.js' })).json()).toMatchObject({
      code: 'EDC_ERR_NOT_FOUND',
    });
  });
});
