/**
 * Failed credits over a real listening gateway: a reconciler lists the tahap's failed rows,
 * re-disburses one and returns another to the treasury; the summary follows every step and
 * reconcile agrees; a viewer is refused; bad bodies and disallowed steps are coded and change
 * nothing.
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

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => 1_800_000_000_000 })).app;
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  for (const role of ['viewer', 'reconciler'] as const) {
    const { token, record } = newToken(role, `ui-${role}`, 1);
    await t.store.putToken(record);
    tokens[role] = token;
  }
  await t.store.applyDisbursements(
    [
      row('KPM-0001', 500_000),
      row('KPM-0002', 300_000, { status: 'failed', reference: 'BRI/F/2' }),
      row('KPM-0003', 200_000, { status: 'failed', reference: 'BRI-F3' }),
    ],
    { fileSha256: 'c'.repeat(64), now: 1 },
  );
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

function call(role: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}/v1/staff${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const step = (body: Record<string, unknown>) =>
  call('reconciler', 'POST', `/tahap/${tahap}/failed-credits/step`, {
    bank: 'BRI',
    note: 'data rekening dikoreksi',
    ...body,
  });

async function figures(): Promise<Record<string, number>> {
  const res = await call('viewer', 'GET', `/tahap/${tahap}/summary`);
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { counters: Record<string, number>; balanced: boolean };
  expect(answer.balanced).toBe(true);
  const sum = answer.counters;
  expect(sum['disbursed']).toBe(sum['withdrawn']! + sum['unclaimed']! + sum['failed']! + sum['returned']!);
  const recon = await call('reconciler', 'POST', `/tahap/${tahap}/reconcile`);
  expect(((await recon.json()) as { agree: boolean }).agree).toBe(true);
  return {
    credited: sum['credited']!,
    failed: sum['failed']!,
    returned: sum['returned']!,
    disbursed: sum['disbursed']!,
  };
}

describe('/v1/staff/tahap/{tahap}/failed-credits', () => {
  it('walks one failed credit through re-disbursement and another through retur', async () => {
    const list = await call('reconciler', 'GET', `/tahap/${tahap}/failed-credits?limit=10`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: { reference: string; state: string }[] };
    expect(body.items.map((x) => [x.reference, x.state])).toEqual([
      ['BRI/F/2', 'failed'],
      ['BRI-F3', 'failed'],
    ]);
    expect(await figures()).toEqual({ credited: 500_000, failed: 500_000, returned: 0, disbursed: 1_000_000 });

    const revalidate = await step({ kpmId: 'KPM-0002', reference: 'BRI/F/2', action: 'revalidate' });
    expect(revalidate.status).toBe(200);
    expect(await revalidate.json()).toMatchObject({ state: 'revalidated', history: [{ actor: 'ui-reconciler' }] });
    const redisburse = await step({
      kpmId: 'KPM-0002',
      reference: 'BRI/F/2',
      action: 'redisburse',
      newReference: 'BRI/R/2',
    });
    expect(await redisburse.json()).toMatchObject({ state: 'redisbursed', newReference: 'BRI/R/2' });
    expect(await figures()).toEqual({ credited: 800_000, failed: 200_000, returned: 0, disbursed: 1_000_000 });

    const ret = await step({ kpmId: 'KPM-0003', reference: 'BRI-F3', action: 'return', note: 'retur kas negara' });
    expect(await ret.json()).toMatchObject({ state: 'returned' });
    expect(await figures()).toEqual({ credited: 800_000, failed: 0, returned: 200_000, disbursed: 1_000_000 });
    const audit = (await t.store.audit({ limit: 1000 })).items.filter((a) => a.action.startsWith('failedCredit.'));
    expect(audit.map((a) => a.action)).toEqual([
      'failedCredit.revalidate',
      'failedCredit.redisburse',
      'failedCredit.return',
    ]);
  });

  it('refuses a viewer, bad bodies and disallowed steps with codes, changing nothing', async () => {
    const viewer = await call('viewer', 'POST', `/tahap/${tahap}/failed-credits/step`, {
      kpmId: 'KPM-0003',
      bank: 'BRI',
      reference: 'BRI-F3',
      action: 'return',
      note: 'x',
    });
    expect(viewer.status).toBe(403);
    expect((await call('viewer', 'GET', `/tahap/${tahap}/failed-credits`)).status).toBe(403);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ kpmId: 'KPM-0003', reference: 'BRI-F3', action: 'return', note: ' ' }, 400, 'EDC_ERR_BODY_INVALID'],
      [{ kpmId: 'KPM-0003', reference: 'BRI F3', action: 'return' }, 400, 'EDC_ERR_BODY_INVALID'],
      [{ kpmId: 'KPM-0003', reference: 'BRI-F3', action: 'burn' }, 400, 'EDC_ERR_BODY_INVALID'],
      [{ kpmId: 'KPM-0003', reference: 'BRI-F3', action: 'return', extra: 1 }, 400, 'EDC_ERR_BODY_INVALID'],
      [
        { kpmId: 'KPM-0003', reference: 'BRI-F3', action: 'redisburse', newReference: 'R' },
        409,
        'EDC_ERR_FAILED_CREDIT_TRANSITION',
      ],
      [{ kpmId: 'KPM-0001', reference: 'REF-KPM-0001', action: 'return' }, 404, 'EDC_ERR_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const res = await step(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
    expect(await figures()).toEqual({ credited: 500_000, failed: 500_000, returned: 0, disbursed: 1_000_000 });
  });
});
