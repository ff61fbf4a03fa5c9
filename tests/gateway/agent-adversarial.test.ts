import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { generateSigningKeyPair } from '../../protocol/crypto/ed25519.ts';
import { ErrorBody, type LedgerEntry } from '../../protocol/messages/schemas.ts';
import { signEntry, entryBody } from '../../protocol/messages/signed.ts';
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
  type TestAgent,
} from './helpers.ts';
import { observableState } from './store/observable.ts';

let t: TempStore;
let app: FastifyInstance;
let agent: TestAgent;
let other: TestAgent;
const now = 1_800_000_000_000;

const observed = () => observableState(t.store, { tahaps: ['2026-IV'] });

async function build(config = testConfig()): Promise<void> {
  app = (await buildGateway({ store: t.store, keys: t.keys, config, now: () => now })).app;
}

beforeEach(async () => {
  t = await tempStore();
  await build();
  agent = newAgent('AGT-001');
  other = newAgent('AGT-002');
  await enroll(t.store, agent, ['KPM-0001']);
  await enroll(t.store, other, ['KPM-0002']);
  await t.store.applyDisbursements([row('KPM-0001', 750_000), row('KPM-0002', 600_000)], {
    fileSha256: 'a'.repeat(64),
    now: 1,
  });
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

function post(
  signer: TestAgent,
  path: string,
  body: string,
  options: { now?: number; nonce?: string; headers?: Record<string, string> } = {},
) {
  const headers = {
    ...signedHeaders(signer, 'POST', path, body, {
      now: options.now ?? now,
      ...(options.nonce ? { nonce: options.nonce } : {}),
    }),
    ...options.headers,
  };
  return app.inject({ method: 'POST', url: path, payload: body, headers });
}

function batch(a: TestAgent, entries: LedgerEntry[]): string {
  return JSON.stringify({ v: 1, agentId: a.agentId, entries });
}

async function expectRefusedWithoutChange(
  send: () => Promise<{ statusCode: number; json: () => unknown }>,
  status: number,
  code: string,
): Promise<ErrorBody> {
  const before = await observed();
  const res = await send();
  expect(res.statusCode).toBe(status);
  const body = ErrorBody.parse(res.json());
  expect(body.code).toBe(code);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  expect(await observed()).toEqual(before);
  return body;
}

const uploads = (a: TestAgent) => `/v1/agents/${a.agentId}/uploads`;

describe('agent API refuses bad requests with a coded 4xx and changes no state', () => {
  it('a request signed with a key that is not the enrolled one: 401 EDC_ERR_AUTH_SIGNATURE', async () => {
    const forger = { ...agent, ...generateSigningKeyPair() };
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    await expectRefusedWithoutChange(() => post(forger, uploads(agent), body), 401, 'EDC_ERR_AUTH_SIGNATURE');
  });

  it('a body changed after signing: 401 EDC_ERR_AUTH_SIGNATURE', async () => {
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    const headers = signedHeaders(agent, 'POST', uploads(agent), body, { now });
    await expectRefusedWithoutChange(
      () =>
        app.inject({
          method: 'POST',
          url: uploads(agent),
          payload: body.replace('"amount":1000', '"amount":1001'),
          headers,
        }),
      401,
      'EDC_ERR_AUTH_SIGNATURE',
    );
  });

  it('missing signature headers: 401 EDC_ERR_AUTH_SIGNATURE', async () => {
    await expectRefusedWithoutChange(
      () => app.inject({ method: 'GET', url: '/v1/agents/AGT-001/head' }),
      401,
      'EDC_ERR_AUTH_SIGNATURE',
    );
  });

  it('a timestamp outside the skew: 401 EDC_ERR_AUTH_TIMESTAMP', async () => {
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    await expectRefusedWithoutChange(
      () => post(agent, uploads(agent), body, { now: now - 5 * 60_000 - 1 }),
      401,
      'EDC_ERR_AUTH_TIMESTAMP',
    );
  });

  it('a replayed request: 401 EDC_ERR_AUTH_REPLAY', async () => {
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    const headers = signedHeaders(agent, 'POST', uploads(agent), body, { now });
    expect((await app.inject({ method: 'POST', url: uploads(agent), payload: body, headers })).statusCode).toBe(200);
    await expectRefusedWithoutChange(
      () => app.inject({ method: 'POST', url: uploads(agent), payload: body, headers }),
      401,
      'EDC_ERR_AUTH_REPLAY',
    );
  });

  it('an agent acting for another agent: 403 EDC_ERR_AUTH_AGENT', async () => {
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    await expectRefusedWithoutChange(() => post(other, uploads(agent), body), 403, 'EDC_ERR_AUTH_AGENT');
  });

  it("another agent's entries inside an agent's own upload: 422 reason agentId", async () => {
    const foreign = withdrawal(other, t.keys, { kpmId: 'KPM-0002', amount: 1000, pan: panOf('KPM-0002') });
    const body = JSON.stringify({ v: 1, agentId: agent.agentId, entries: [foreign] });
    const error = await expectRefusedWithoutChange(
      () => post(agent, uploads(agent), body),
      422,
      'EDC_ERR_UPLOAD_ENTRY_INVALID',
    );
    expect(error.details).toMatchObject({ index: 0, seq: 1, reason: 'agentId' });
  });

  it('a revoked agent: 403 EDC_ERR_AUTH_AGENT', async () => {
    await t.store.revokeAgent(agent.agentId, 5);
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    await expectRefusedWithoutChange(() => post(agent, uploads(agent), body), 403, 'EDC_ERR_AUTH_AGENT');
  });

  it('a gap after the stored head: 409 EDC_ERR_UPLOAD_GAP with headSeq, expectedSeq, foundSeq', async () => {
    expect(
      (
        await post(
          agent,
          uploads(agent),
          batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]),
        )
      ).statusCode,
    ).toBe(200);
    withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') }); // seq 2 never sent
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    const error = await expectRefusedWithoutChange(() => post(agent, uploads(agent), body), 409, 'EDC_ERR_UPLOAD_GAP');
    expect(error.details).toEqual({ headSeq: 1, expectedSeq: 2, foundSeq: 3 });
  });

  it('entries out of order within an upload: 422 reason order', async () => {
    const e1 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') });
    const e2 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') });
    const error = await expectRefusedWithoutChange(
      () => post(agent, uploads(agent), batch(agent, [e2, e1])),
      422,
      'EDC_ERR_UPLOAD_ENTRY_INVALID',
    );
    expect(error.details).toMatchObject({ index: 1, reason: 'order' });
  });

  it('a body over uploadBodyBytesMax: 413 EDC_ERR_BODY_TOO_LARGE', async () => {
    await app.close();
    await build(testConfig({ uploadBodyBytesMax: 2048 }));
    const entries = [1, 2, 3, 4].map(() =>
      withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') }),
    );
    await expectRefusedWithoutChange(
      () => post(agent, uploads(agent), batch(agent, entries)),
      413,
      'EDC_ERR_BODY_TOO_LARGE',
    );
  });

  it('malformed JSON: 400 EDC_ERR_BODY_INVALID', async () => {
    await expectRefusedWithoutChange(() => post(agent, uploads(agent), '{"v":1,'), 400, 'EDC_ERR_BODY_INVALID');
  });

  it('unknown fields: 400 EDC_ERR_BODY_INVALID with details.issues', async () => {
    const e = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') });
    const body = JSON.stringify({ v: 1, agentId: agent.agentId, entries: [{ ...e, bonus: 1 }] });
    const error = await expectRefusedWithoutChange(
      () => post(agent, uploads(agent), body),
      400,
      'EDC_ERR_BODY_INVALID',
    );
    expect(Array.isArray(error.details?.issues)).toBe(true);
    expect((error.details!.issues as unknown[]).length).toBeGreaterThan(0);
  });

  it('a body that is not application/json: 415 EDC_ERR_MEDIA_TYPE, never an auth failure', async () => {
    const body = batch(agent, [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') })]);
    for (const type of [
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'application/json; charset=iso-8859-1',
    ]) {
      const error = await expectRefusedWithoutChange(
        () => post(agent, uploads(agent), body, { headers: { 'content-type': type } }),
        415,
        'EDC_ERR_MEDIA_TYPE',
      );
      expect(error.message, type).toContain('application/json');
    }
    const unlabelled = signedHeaders(agent, 'POST', uploads(agent), body, { now });
    delete unlabelled['content-type'];
    await expectRefusedWithoutChange(
      () => app.inject({ method: 'POST', url: uploads(agent), payload: body, headers: unlabelled }),
      415,
      'EDC_ERR_MEDIA_TYPE',
    );
    const utf8 = await post(agent, uploads(agent), body, {
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    expect(utf8.statusCode).toBe(200);
  });

  it('too many requests: 429 EDC_ERR_RATE_LIMITED with Retry-After in whole seconds', async () => {
    await app.close();
    await build(testConfig({ rateRequestsMax: 2, rateWindowMs: 60_000 }));
    const head = () =>
      app.inject({
        method: 'GET',
        url: '/v1/agents/AGT-001/head',
        headers: signedHeaders(agent, 'GET', '/v1/agents/AGT-001/head', '', { now }),
      });
    expect((await head()).statusCode).toBe(200);
    expect((await head()).statusCode).toBe(200);
    const before = await observed();
    const res = await head();
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ statusCode: 429, code: 'EDC_ERR_RATE_LIMITED' });
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(await observed()).toEqual(before);
  });
});

describe('forks and tampered entries are refused and kept only as evidence', () => {
  it(
    'a different entry at a stored seq: 409 EDC_ERR_UPLOAD_FORK with both hashes;' +
      ' evidence kept, agent flagged, head unchanged',
    async () => {
      const e1 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') });
      expect((await post(agent, uploads(agent), batch(agent, [e1]))).statusCode).toBe(200);
      const forked = signEntry({ ...entryBody(e1), amount: 2000 }, agent.seed);
      const before = await observed();
      const res = await post(agent, uploads(agent), batch(agent, [forked]));
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'EDC_ERR_UPLOAD_FORK',
        details: { seq: 1, storedHash: e1.hash, foundHash: forked.hash },
      });
      const after = await observed();
      const [was, is] = [before.agents['AGT-001']!, after.agents['AGT-001']!];
      expect([is.head, is.entries, is.kpms]).toEqual([was.head, was.entries, was.kpms]); // the chain is untouched
      expect(after.agents['AGT-002']).toEqual(before.agents['AGT-002']);
      expect({ ...after, agents: {}, tahaps: {} }).toEqual({ ...before, agents: {}, tahaps: {} });
      const [evidence] = await t.store.evidence(agent.agentId, 10);
      expect(evidence).toMatchObject({ kind: 'fork', found: forked, stored: e1 });
      expect((await t.store.getAgent(agent.agentId))?.flagged).toBe(true);
      // Both were paid by a device holding the key: the chain's entry (under no set issued: unallocated)
      // and the fork's, each counted once.
      expect(await t.store.summary('2026-IV', {})).toMatchObject({
        withdrawalsByCategory: { fork: { count: 1, amount: 2000 }, ok: { count: 0 }, unallocated: { count: 1 } },
        drawn: 3000,
      });
    },
  );

  it('an entry whose signature does not verify: 422 reason signature; evidence kept, no entry stored', async () => {
    const e1 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: panOf('KPM-0001') });
    const tampered = { ...e1, sig: signEntry({ ...entryBody(e1), amount: 5 }, agent.seed).sig };
    const res = await post(agent, uploads(agent), batch(agent, [tampered]));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      code: 'EDC_ERR_UPLOAD_ENTRY_INVALID',
      details: { index: 0, seq: 1, reason: 'signature' },
    });
    expect(await t.store.head(agent.agentId)).toMatchObject({ seq: 0 });
    expect(await t.store.evidence(agent.agentId, 10)).toHaveLength(1);
  });
});
