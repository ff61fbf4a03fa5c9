/**
 * The SMS-provider webhook against a real listening gateway (127.0.0.1, port 0, real LevelDB):
 * a provider-signed checkpoint (PDU or user data) is stored and shows in the staff overview; a
 * missing, malformed, wrong or stale signature, a bad body and an oversized body are refused
 * with codes and change nothing; the address budget limits it; without smsWebhook it is 404.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { encodeCheckpoint } from '../../protocol/sms/index.ts';
import { encodeDeliver } from '../../protocol/sms/pdu.ts';
import { enroll, newAgent, tempStore, testConfig, type TempStore } from './helpers.ts';

const secret = 'provider-shared-secret-0123456789abcdef';
const clock = 1_800_000_000_000;
const agent = newAgent('AGT-W1');
let t: TempStore | undefined;
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  await t?.cleanup();
  app = undefined;
  t = undefined;
});

async function start(overrides: Record<string, unknown> = { smsWebhook: { secret } }): Promise<string> {
  t = await tempStore();
  await enroll(t.store, agent, ['KPM-0001']);
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(overrides), now: () => clock })).app;
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return `${url}/v1/sms/checkpoints`;
}

const sign = (body: string, at = clock, key = secret) =>
  `t=${at},v1=${createHmac('sha256', key).update(`${at}.${body}`).digest('hex')}`;

function post(url: string, body: string, signature: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['x-edc-sms-signature'] = signature;
  return fetch(url, { method: 'POST', headers, body });
}

const octets = (seq: number) =>
  encodeCheckpoint(
    { agentId: agent.agentId, seq, at: 1_000, withdrawn: 500_000, reversed: 0, headHash: 'ab'.repeat(32) },
    agent.seed,
  );

describe('POST /v1/sms/checkpoints (SMS-provider webhook)', () => {
  it('stores a provider-signed checkpoint (PDU or user data); staff see it; a replay is a duplicate', async () => {
    const url = await start();
    const pdu = encodeDeliver({ from: '+6281100000009', sentAt: clock, data: octets(3) });
    const body = JSON.stringify({ sender: '+6281100000009', receivedAt: clock, pdu });
    const res = await post(url, body, sign(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ agentId: 'AGT-W1', seq: 3, put: 'stored', chain: 'ahead' });
    expect((await post(url, body, sign(body))).status).toBe(200);
    const again = await post(url, body, sign(body));
    expect(await again.json()).toMatchObject({ put: 'duplicate' });
    const data = JSON.stringify({
      sender: '+6281100000009',
      receivedAt: clock,
      userData: Buffer.from(octets(4)).toString('hex'),
    });
    expect(await (await post(url, data, sign(data))).json()).toMatchObject({ seq: 4, put: 'stored' });
    expect(await t!.store.checkpointAt('AGT-W1', 3)).toMatchObject({ source: 'webhook', sender: '+6281100000009' });
    const { token, record } = newToken('viewer', 'clerk', 1);
    await t!.store.putToken(record);
    const overview = await fetch(url.replace('/v1/sms/checkpoints', '/v1/staff/agents/overview'), {
      headers: { authorization: `Bearer ${token}` },
    });
    const items = ((await overview.json()) as { items: Array<{ lastCheckpoint: unknown }> }).items;
    expect(items[0]!.lastCheckpoint).toMatchObject({ seq: 4, sender: '+6281100000009', withdrawn: 500_000 });
  });

  it('refuses missing, malformed, wrong and stale signatures and bad bodies with codes, storing nothing', async () => {
    const url = await start();
    const good = JSON.stringify({
      sender: '+62811',
      receivedAt: clock,
      userData: Buffer.from(octets(5)).toString('hex'),
    });
    const code = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
    expect(await code(await post(url, good, undefined))).toEqual([401, 'EDC_ERR_SMS_WEBHOOK_AUTH']);
    expect(await code(await post(url, good, 'v1=abc'))).toEqual([401, 'EDC_ERR_SMS_WEBHOOK_AUTH']);
    expect(await code(await post(url, good, sign(good, clock, 'x'.repeat(40))))).toEqual([
      401,
      'EDC_ERR_SMS_WEBHOOK_AUTH',
    ]);
    expect(await code(await post(url, good, sign(good, clock - 300_001)))).toEqual([401, 'EDC_ERR_SMS_WEBHOOK_AUTH']);
    const altered = good.replace('+62811', '+62812');
    expect(await code(await post(url, altered, sign(good)))).toEqual([401, 'EDC_ERR_SMS_WEBHOOK_AUTH']);
    const both = JSON.stringify({ sender: '+62811', receivedAt: clock, userData: '00', pdu: '00' });
    expect(await code(await post(url, both, sign(both)))).toEqual([400, 'EDC_ERR_BODY_INVALID']);
    const extra = JSON.stringify({ ...JSON.parse(good), more: 1 });
    expect(await code(await post(url, extra, sign(extra)))).toEqual([400, 'EDC_ERR_BODY_INVALID']);
    const garbage = JSON.stringify({ sender: '+62811', receivedAt: clock, userData: '0102' });
    expect(await code(await post(url, garbage, sign(garbage)))).toEqual([400, 'EDC_ERR_CHECKPOINT_FORMAT']);
    const big = JSON.stringify({ sender: '+62811', receivedAt: clock, pdu: 'ab'.repeat(1100) });
    expect(await code(await post(url, big, sign(big)))).toEqual([413, 'EDC_ERR_BODY_TOO_LARGE']);
    expect(await t!.store.lastCheckpoint('AGT-W1')).toBeUndefined();
  });

  it('is charged to the address budget like unauthenticated traffic; absent config: not served', async () => {
    const url = await start({ smsWebhook: { secret }, rateAddressRequestsMax: 2 });
    const body = JSON.stringify({
      sender: '+62811',
      receivedAt: clock,
      userData: Buffer.from(octets(6)).toString('hex'),
    });
    expect((await post(url, body, sign(body))).status).toBe(200);
    expect((await post(url, body, sign(body))).status).toBe(200);
    const limited = await post(url, body, sign(body));
    expect([limited.status, ((await limited.json()) as { code: string }).code]).toEqual([429, 'EDC_ERR_RATE_LIMITED']);
    await app!.close();
    await t!.cleanup();
    const off = await start({});
    expect((await post(off, body, sign(body))).status).toBe(404);
  });
});
