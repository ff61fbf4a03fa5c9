import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SignedReceipt } from '../../protocol/messages/schemas.ts';
import { verifyReceipt } from '../../protocol/messages/signed.ts';
import { buildGateway } from '../../gateway/app.ts';
import {
  enroll,
  newAgent,
  panOf,
  row,
  signedHeaders,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig() })).app;
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await t.cleanup();
});

describe('a real 127.0.0.1 listener', () => {
  it('accepts a signed upload over TCP and answers a receipt that verifies; a resend is a duplicate', async () => {
    const agent = newAgent('AGT-TCP');
    await enroll(t.store, agent, ['KPM-0001']);
    await t.store.applyDisbursements([row('KPM-0001', 100_000)], { fileSha256: 'a'.repeat(64), now: 1 });
    const body = JSON.stringify({
      v: 1,
      agentId: agent.agentId,
      entries: [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })],
    });
    const send = () =>
      fetch(`${base}/v1/agents/AGT-TCP/uploads`, {
        method: 'POST',
        body,
        headers: signedHeaders(agent, 'POST', '/v1/agents/AGT-TCP/uploads', body),
      });
    const res = await send();
    expect(res.status).toBe(200);
    const receipt = SignedReceipt.parse(await res.json());
    expect(verifyReceipt(receipt, t.keys.signingPublicKey)).toBe(true);
    expect(receipt).toMatchObject({ ackSeq: 1, accepted: 1 });
    expect(await (await send()).json()).toMatchObject({ ackSeq: 1, accepted: 0, duplicates: 1 });
    const oversized = await fetch(`${base}/v1/agents/AGT-TCP/uploads`, {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024),
      headers: { 'content-type': 'application/json' },
    });
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ code: 'EDC_ERR_BODY_TOO_LARGE' });
  });
});
