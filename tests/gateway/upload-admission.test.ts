import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SignedReceipt, type LedgerEntry } from '../../protocol/messages/schemas.ts';
import { buildGateway } from '../../gateway/app.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  signedHeaders,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
  type TestAgent,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let base: string;

async function start(config: Record<string, unknown>): Promise<void> {
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(config) })).app;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
}

beforeEach(async () => {
  t = await tempStore();
});

afterEach(async () => {
  await app?.close();
  await t.cleanup();
});

async function agentWithUploads(index: number, uploads: number, perUpload: number) {
  const agent = newAgent(`AGT-${String(index + 1).padStart(3, '0')}`);
  const kpmIds = Array.from(
    { length: uploads * perUpload },
    (_, i) => `KPM-${String(index * 100 + i).padStart(4, '0')}`,
  );
  await enroll(t.store, agent, kpmIds);
  const setId = await issueSet(t.store, agent, Date.now());
  const entries = kpmIds.map((kpmId) =>
    withdrawal(agent, t.keys, { kpmId, amount: 100_000, pan: panOf(kpmId), setId }),
  );
  const bodies: { body: string; last: LedgerEntry }[] = [];
  for (let i = 0; i < entries.length; i += perUpload) {
    const slice = entries.slice(i, i + perUpload);
    bodies.push({ body: JSON.stringify({ v: 1, agentId: agent.agentId, entries: slice }), last: slice.at(-1)! });
  }
  return { agent, entries, bodies };
}

function post(agent: TestAgent, body: string): Promise<Response> {
  const path = `/v1/agents/${agent.agentId}/uploads`;
  return fetch(base + path, { method: 'POST', body, headers: signedHeaders(agent, 'POST', path, body) });
}

interface Seen {
  refusals: { status: number; retryAfter: string | null; code: string }[];
}

/** Uploads in order; a 503 is retried after its Retry-After, as agent/forward does. */
async function forward(agent: TestAgent, bodies: { body: string; last: LedgerEntry }[], seen: Seen): Promise<void> {
  for (const { body, last } of bodies) {
    for (;;) {
      const res = await post(agent, body);
      if (res.status === 200) {
        expect(SignedReceipt.parse(await res.json())).toMatchObject({ ackSeq: last.seq, ackHash: last.hash });
        break;
      }
      const retryAfter = res.headers.get('retry-after');
      seen.refusals.push({ status: res.status, retryAfter, code: ((await res.json()) as { code: string }).code });
      if (res.status !== 503) throw new Error(`unexpected ${res.status}`);
      await new Promise((r) => setTimeout(r, Number(retryAfter) * 1000));
    }
  }
}

/** Sends an upload's headers and half its body, holding it in flight until finish() is called. */
async function heldUpload(agent: TestAgent, body: string) {
  const path = `/v1/agents/${agent.agentId}/uploads`;
  const headers = { ...signedHeaders(agent, 'POST', path, body), 'content-length': String(Buffer.byteLength(body)) };
  const arrived = new Promise((resolve) => app.server.once('request', resolve));
  const req = httpRequest(`${base}${path}`, { method: 'POST', headers });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  // The server has its headers, and its onRequest hooks (admission among them) have run.
  await arrived;
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { answered, finish: () => req.end(body.slice(half)) };
}

describe('uploads in flight are bounded (uploadsInFlightMax, uploadsInFlightBytesMax)', () => {
  it('refuses an upload over the count with 503 + Retry-After before reading it, and accepts its retry', async () => {
    await start({ uploadsInFlightMax: 1, uploadsWaitingMax: 0 });
    const a = await agentWithUploads(0, 1, 2);
    const b = await agentWithUploads(1, 1, 2);
    const held = await heldUpload(a.agent, a.bodies[0]!.body);
    const refused = await post(b.agent, b.bodies[0]!.body);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ statusCode: 503, code: 'EDC_ERR_UNAVAILABLE' });
    expect(await t.store.entries(b.agent.agentId, 1, 10)).toEqual([]);
    held.finish();
    expect(await held.answered).toBe(200);
    expect((await post(b.agent, b.bodies[0]!.body)).status).toBe(200);
    expect(await t.store.entries(a.agent.agentId, 1, 10)).toEqual(a.entries);
    expect(await t.store.entries(b.agent.agentId, 1, 10)).toEqual(b.entries);
  });

  it('refuses an upload over the bytes in flight, and a refusal is not charged to the address', async () => {
    await start({
      uploadsInFlightMax: 100,
      uploadsInFlightBytesMax: 1024,
      rateAddressRequestsMax: 1,
      uploadsWaitingMax: 0,
    });
    const a = await agentWithUploads(0, 1, 2);
    const b = await agentWithUploads(1, 1, 2);
    const held = await heldUpload(a.agent, a.bodies[0]!.body);
    for (let i = 0; i < 3; i++) expect((await post(b.agent, b.bodies[0]!.body)).status).toBe(503);
    held.finish();
    expect(await held.answered).toBe(200);
    expect((await post(b.agent, b.bodies[0]!.body)).status).toBe(200);
  });

  it('a herd over the limit: the excess gets 503 + Retry-After and every entry arrives once', async () => {
    await start({ uploadsInFlightMax: 2, uploadsWaitingMax: 0 });
    const fleet = await Promise.all(Array.from({ length: 8 }, (_, i) => agentWithUploads(i, 3, 3)));
    const seen: Seen = { refusals: [] };
    await Promise.all(fleet.map((f) => forward(f.agent, f.bodies, seen)));
    for (const f of fleet) expect(await t.store.entries(f.agent.agentId, 1, 100)).toEqual(f.entries);
    for (const r of seen.refusals) expect(r).toEqual({ status: 503, retryAfter: '1', code: 'EDC_ERR_UNAVAILABLE' });
  });
});

describe('uploads over the bound wait for admission (uploadsWaitingMax, uploadAdmissionWaitMsMax)', () => {
  it('admits a waiting upload, body unread until then, once the upload in flight is answered', async () => {
    await start({ uploadsInFlightMax: 1, uploadAdmissionWaitMsMax: 10_000 });
    const a = await agentWithUploads(0, 1, 2);
    const b = await agentWithUploads(1, 1, 2);
    const held = await heldUpload(a.agent, a.bodies[0]!.body);
    const waiting = post(b.agent, b.bodies[0]!.body);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await t.store.entries(b.agent.agentId, 1, 10)).toEqual([]);
    held.finish();
    expect(await held.answered).toBe(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(SignedReceipt.parse(await res.json())).toMatchObject({ ackSeq: 2, ackHash: b.entries[1]!.hash });
    expect(await t.store.entries(a.agent.agentId, 1, 10)).toEqual(a.entries);
    expect(await t.store.entries(b.agent.agentId, 1, 10)).toEqual(b.entries);
  });

  it('answers 503 + Retry-After to an upload still waiting at uploadAdmissionWaitMsMax, storing nothing', async () => {
    await start({ uploadsInFlightMax: 1, uploadAdmissionWaitMsMax: 100 });
    const a = await agentWithUploads(0, 1, 2);
    const b = await agentWithUploads(1, 1, 2);
    const held = await heldUpload(a.agent, a.bodies[0]!.body);
    const refused = await post(b.agent, b.bodies[0]!.body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ code: 'EDC_ERR_UNAVAILABLE' });
    expect(await t.store.entries(b.agent.agentId, 1, 10)).toEqual([]);
    held.finish();
    expect(await held.answered).toBe(200);
  });

  it('answers 503 at once when uploadsWaitingMax uploads already wait', async () => {
    await start({ uploadsInFlightMax: 1, uploadsWaitingMax: 1, uploadAdmissionWaitMsMax: 10_000 });
    const [a, b, c] = await Promise.all([0, 1, 2].map((i) => agentWithUploads(i, 1, 2)));
    const held = await heldUpload(a!.agent, a!.bodies[0]!.body);
    const waiting = post(b!.agent, b!.bodies[0]!.body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const refused = await post(c!.agent, c!.bodies[0]!.body);
    expect(refused.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    held.finish();
    expect([await held.answered, (await waiting).status]).toEqual([200, 200]);
    expect(await t.store.entries(c!.agent.agentId, 1, 10)).toEqual([]);
    expect((await post(c!.agent, c!.bodies[0]!.body)).status).toBe(200);
  });

  it('an agent refused at its deadline waits ahead of agents not refused on its retry', async () => {
    await start({ uploadsInFlightMax: 1, uploadAdmissionWaitMsMax: 1_000 });
    const [a, b, c] = await Promise.all([0, 1, 2].map((i) => agentWithUploads(i, 1, 2)));
    const held = await heldUpload(a!.agent, a!.bodies[0]!.body);
    expect((await post(b!.agent, b!.bodies[0]!.body)).status).toBe(503);
    // c arrives first and would be admitted first in plain FIFO order; its body is half sent,
    // so once admitted it stays in flight and b's retry would wait out its deadline again.
    const before = await heldUpload(c!.agent, c!.bodies[0]!.body);
    const retry = post(b!.agent, b!.bodies[0]!.body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    held.finish();
    expect(await held.answered).toBe(200);
    expect((await retry).status).toBe(200);
    expect(await t.store.entries(b!.agent.agentId, 1, 10)).toEqual(b!.entries);
    before.finish();
    expect([200, 503]).toContain(await before.answered);
  });

  it('when the oldest waiter leaves, the one behind it is admitted at once if it fits', async () => {
    const [a, c] = await Promise.all([0, 2].map((i) => agentWithUploads(i, 1, 2)));
    const sizeA = Buffer.byteLength(a!.bodies[0]!.body);
    const sizeC = Buffer.byteLength(c!.bodies[0]!.body);
    // Room for a and c together, never for a and b (b declares the whole bound).
    const bytesMax = sizeA + sizeC;
    await start({ uploadsInFlightMax: 10, uploadsInFlightBytesMax: bytesMax, uploadAdmissionWaitMsMax: 3_000 });
    const held = await heldUpload(a!.agent, a!.bodies[0]!.body);
    // b: headers only, declaring bytesMax; it waits first in line, then its client gives up.
    const b = httpRequest(`${base}/v1/agents/AGT-900/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(bytesMax) },
    });
    b.on('error', () => undefined);
    b.flushHeaders();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = post(c!.agent, c!.bodies[0]!.body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    b.destroy();
    // c fits beside a: it must not wait for a's answer or its own deadline (503 after 3 s before the fix).
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(await t.store.entries(c!.agent.agentId, 1, 10)).toEqual(c!.entries);
    held.finish();
    expect(await held.answered).toBe(200);
  });

  it('a herd over the limit waits its turn: no 503, every entry arrives once', async () => {
    await start({ uploadsInFlightMax: 2, uploadAdmissionWaitMsMax: 30_000 });
    const fleet = await Promise.all(Array.from({ length: 8 }, (_, i) => agentWithUploads(i, 3, 3)));
    const seen: Seen = { refusals: [] };
    await Promise.all(fleet.map((f) => forward(f.agent, f.bodies, seen)));
    for (const f of fleet) expect(await t.store.entries(f.agent.agentId, 1, 100)).toEqual(f.entries);
    expect(seen.refusals).toEqual([]);
  });
});
