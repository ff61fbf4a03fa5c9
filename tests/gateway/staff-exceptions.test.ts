/**
 * Exception assignment and the kind / assignee filters over a real listening gateway: a
 * reconciler assigns, the list filters by assignee and kind, a viewer may not assign, bad input
 * is refused with a code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { row, tahap, tempStore, testConfig, type TempStore } from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let url = '';
const tokens: Record<string, string> = {};
const id = `K:${tahap}:KPM-0001`;

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => 1_800_000_000_000 })).app;
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  for (const role of ['viewer', 'reconciler'] as const) {
    const { token, record } = newToken(role, `ui-${role}`, 1);
    await t.store.putToken(record);
    tokens[role] = token;
  }
  await t.store.applyDisbursements([row('KPM-0001', 500_000), row('KPM-0002', 300_000, { status: 'failed' })], {
    fileSha256: 'c'.repeat(64),
    now: 1,
  });
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

function call(role: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}/v1/staff${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const listed = async (query: string) =>
  ((await (await call('viewer', `/tahap/${tahap}/exceptions?${query}`)).json()) as { items: { id: string }[] }).items
    .map((x) => x.id)
    .sort();

describe('exception assignment over HTTP', () => {
  it('a reconciler assigns and unassigns; the list filters by assignee and kind', async () => {
    const r = await call('reconciler', `/exceptions/${encodeURIComponent(id)}/assign`, { assignee: 'budi' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id, assignee: 'budi', state: 'open' });
    expect(await listed('assignee=budi')).toEqual([id]);
    expect(await listed('kind=no_disbursement')).toEqual([`K:${tahap}:KPM-0002`]);
    const cleared = await call('reconciler', `/exceptions/${encodeURIComponent(id)}/assign`, { assignee: null });
    expect(await cleared.json()).not.toHaveProperty('assignee');
    expect(await listed('assignee=budi')).toEqual([]);
  });

  it('a viewer may not assign; bad input and an unknown kind are refused with codes', async () => {
    const path = `/exceptions/${encodeURIComponent(id)}/assign`;
    const forbidden = await call('viewer', path, { assignee: 'budi' });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'EDC_ERR_STAFF_FORBIDDEN' });
    expect(await (await call('reconciler', path, { assignee: '' })).json()).toMatchObject({
      code: 'EDC_ERR_BODY_INVALID',
    });
    expect(await (await call('reconciler', path, {})).json()).toMatchObject({ code: 'EDC_ERR_BODY_INVALID' });
    const kind = await call('viewer', `/tahap/${tahap}/exceptions?kind=matched`);
    expect(kind.status).toBe(400);
    const unknown = await call('reconciler', `/exceptions/${encodeURIComponent(`K:${tahap}:KPM-0404`)}/assign`, {
      assignee: 'budi',
    });
    expect(unknown.status).toBe(404);
    expect(await listed('assignee=budi')).toEqual([]);
  });
  it('ageing: an exception is dated by its first assignment; buckets and the age filter use the clock', async () => {
    await call('reconciler', `/exceptions/${encodeURIComponent(id)}/assign`, { assignee: 'budi' });
    const page = (await (await call('viewer', `/tahap/${tahap}/exceptions?kind=unclaimed`)).json()) as {
      items: { openedAt?: number }[];
    };
    expect(page.items[0]?.openedAt).toBe(1_800_000_000_000);
    expect(await listed('age=lt1d')).toEqual([id]);
    expect(await listed('age=unworked')).toEqual([`K:${tahap}:KPM-0002`]);
    const ageing = await call('viewer', `/tahap/${tahap}/exceptions/ageing?region=32`);
    expect(ageing.status).toBe(200);
    expect(await ageing.json()).toEqual({
      buckets: { unworked: 1, lt1d: 1, d1to7: 0, d7to30: 0, gt30d: 0 },
      complete: true,
    });
    for (const bad of ['exceptions?age=old', 'exceptions/ageing?limit=5', 'exceptions/ageing?region=3']) {
      const r = await call('viewer', `/tahap/${tahap}/${bad}`);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: expect.stringMatching(/^EDC_ERR_/) });
    }
  });

  it('GET /tahap/{tahap}/regions answers counters per region prefix; a bad digits is refused', async () => {
    const r = await call('viewer', `/tahap/${tahap}/regions?digits=4`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { items: { region: string; counters: Record<string, unknown> }[] };
    expect(body.items).toMatchObject([
      { region: '3201', counters: { kpm: 2, disbursed: 800_000, unclaimed: 500_000, failed: 300_000 } },
    ]);
    expect(await (await call('viewer', `/tahap/${tahap}/regions?digits=3`)).json()).toMatchObject({
      code: 'EDC_ERR_BODY_INVALID',
    });
  });
});
