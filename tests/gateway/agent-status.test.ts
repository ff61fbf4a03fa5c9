/**
 * An upload's optional agentStatus (protocol "Upload batch"): an agent with a queue reports its
 * head and queue, staff see it beside the gateway's head and /metrics counts it without an agent
 * label; a report that contradicts the batch is refused with EDC_ERR_UPLOAD_STATUS_INVALID and
 * nothing is stored; an upload without one is accepted as before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  row,
  signedHeaders,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
  type TestAgent,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let viewer = '';
let agent: TestAgent;
let setId = '';
const clock = 1_800_000_000_000;

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => clock })).app;
  const { token, record } = newToken('viewer', 'clerk', 1);
  await t.store.putToken(record);
  viewer = token;
  agent = newAgent('AGT-Q1');
  await enroll(t.store, agent, ['KPM-0001']);
  await t.store.applyDisbursements([row('KPM-0001', 900_000)], { fileSha256: 'c'.repeat(64), now: 1 });
  setId = await issueSet(t.store, agent, clock + 3_600_000);
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

/** The agent's next n withdrawals (its ledger: signed and chained, nothing sent yet). */
const ledger = (n: number): LedgerEntry[] =>
  Array.from({ length: n }, (_, i) =>
    withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 10_000, pan: panOf('KPM-0001'), setId, at: clock - i }),
  );

async function upload(entries: LedgerEntry[], agentStatus?: unknown) {
  const path = `/v1/agents/${agent.agentId}/uploads`;
  const body = JSON.stringify({ v: 1, agentId: agent.agentId, entries, agentStatus });
  return app.inject({
    method: 'POST',
    url: path,
    payload: body,
    headers: signedHeaders(agent, 'POST', path, body, { now: clock }),
  });
}

type Row = { gatewayHeadSeq: number; reported: Record<string, unknown> | null };
const overview = async (): Promise<Row> =>
  (await app.inject({ url: '/v1/staff/agents/overview', headers: { authorization: `Bearer ${viewer}` } })).json<{
    items: Row[];
  }>().items[0]!;
const metrics = async () => (await app.inject({ url: '/metrics' })).body;

describe('upload agentStatus', () => {
  it('an agent with a queue reports head and queue: staff see head vs reported head, /metrics the depth', async () => {
    const entries = ledger(5);
    const head = { seq: 5, hash: entries[4]!.hash };
    expect((await overview()).reported).toBeNull();
    expect(await metrics()).toContain('edc_gateway_agents_reported_queue{bank="BRI",depth="none"} 1');

    const first = await upload(entries.slice(0, 2), { head, queued: 3, oldestQueuedAt: entries[2]!.at });
    expect(first.statusCode).toBe(200);
    expect(await overview()).toMatchObject({
      gatewayHeadSeq: 2,
      reported: { at: clock, headSeq: 5, queued: 3, oldestQueuedAt: entries[2]!.at, unsent: 3 },
    });
    const text = await metrics();
    expect(text).toContain('edc_gateway_agents_reported_queue{bank="BRI",depth="1_9"} 1');
    expect(text).toContain('edc_gateway_agents_reported_queue_entries{bank="BRI"} 3');
    expect(text).not.toContain('AGT-Q1');

    expect((await upload(entries.slice(2), { head, queued: 0 })).statusCode).toBe(200);
    expect(await overview()).toMatchObject({ gatewayHeadSeq: 5, reported: { headSeq: 5, queued: 0, unsent: 0 } });
    expect(await t.store.agentContact(agent.agentId)).toMatchObject({ reported: { headSeq: 5, queued: 3 } });
  });

  it('refuses a report that contradicts its batch with a code, storing nothing; none at all is accepted', async () => {
    const entries = ledger(3);
    const last = entries[1]!;
    const lies: [string, unknown][] = [
      ['head_behind', { head: { seq: 1, hash: entries[0]!.hash }, queued: 0 }],
      ['head_hash', { head: { seq: 2, hash: entries[0]!.hash }, queued: 0 }],
      ['queued', { head: { seq: 3, hash: entries[2]!.hash }, queued: 7 }],
      ['oldest_without_queue', { head: { seq: 2, hash: last.hash }, queued: 0, oldestQueuedAt: 5 }],
    ];
    for (const [reason, status] of lies) {
      const res = await upload(entries.slice(0, 2), status);
      expect(res.statusCode, reason).toBe(422);
      expect(res.json(), reason).toMatchObject({ code: 'EDC_ERR_UPLOAD_STATUS_INVALID', details: { reason } });
    }
    const invalid = await upload(entries.slice(0, 2), { head: { seq: 2, hash: 'x' }, queued: -1 });
    expect([invalid.statusCode, invalid.json<{ code: string }>().code]).toEqual([400, 'EDC_ERR_BODY_INVALID']);
    expect((await t.store.head(agent.agentId)).seq).toBe(0);
    expect((await overview()).reported).toBeNull();

    expect((await upload(entries.slice(0, 2))).statusCode).toBe(200);
    expect(await overview()).toMatchObject({ gatewayHeadSeq: 2, reported: null });
  });
});
