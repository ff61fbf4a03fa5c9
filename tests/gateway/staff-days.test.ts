/**
 * The withdrawals-per-day routes of the staff API (Ringkasan tahap's chart and its drill-down):
 * bounded, zod-validated, a bad date or bank refused with a code and no audit-visible state change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../gateway/app.ts';
import { ingestSegment } from '../../gateway/ingest/upload.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  reversal,
  row,
  tahap,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let viewer = '';

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => 1_000 })).app;
  const { token, record } = newToken('viewer', 'clerk', 1);
  await t.store.putToken(record);
  viewer = token;
  const agent = newAgent('AGT-DAYS');
  await enroll(t.store, agent, ['KPM-0001']);
  await t.store.applyDisbursements([row('KPM-0001', 900_000)], { fileSha256: 'b'.repeat(64), now: 1 });
  const setId = await issueSet(t.store, agent);
  const w = (amount: number, localDate: string) =>
    withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount, pan: panOf('KPM-0001'), setId, localDate });
  const first = w(100_000, '1001');
  const second = w(50_000, '1001');
  const undone = w(10_000, '1003');
  await ingestSegment(t.store, agent.record!, [first, second, undone, reversal(agent, undone)], 9);
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${viewer}` } });

describe('GET /v1/staff/tahap/{tahap}/withdrawal-days', () => {
  it('answers the claimed withdrawals per local date; a reversed one is on no day', async () => {
    const res = await get(`/v1/staff/tahap/${tahap}/withdrawal-days`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tahap, filter: {}, days: [{ localDate: '1001', count: 2, amount: 150_000 }] });
    expect((await get(`/v1/staff/tahap/${tahap}/withdrawal-days?bank=BNI`)).json()).toMatchObject({ days: [] });
  });

  it('pages the withdrawals of one date (the drill-down)', async () => {
    const first = await get(`/v1/staff/tahap/${tahap}/withdrawal-days/1001/withdrawals?limit=1`);
    const page = first.json<{ items: { amount: number; localDate: string }[]; next: string }>();
    expect(page.items).toMatchObject([{ amount: 100_000, localDate: '1001', kpmId: 'KPM-0001' }]);
    const base = `/v1/staff/tahap/${tahap}/withdrawal-days/1001/withdrawals`;
    const url = `${base}?limit=1&after=${encodeURIComponent(page.next)}`;
    expect((await get(url)).json()).toMatchObject({ items: [{ amount: 50_000 }] });
    expect((await get(`/v1/staff/tahap/${tahap}/withdrawal-days/1003/withdrawals`)).json()).toEqual({ items: [] });
  });

  it('refuses a date that is not MMDD, an unknown bank or query key, with a coded 400', async () => {
    for (const url of [
      `/v1/staff/tahap/${tahap}/withdrawal-days/1301/withdrawals`,
      `/v1/staff/tahap/${tahap}/withdrawal-days/2026-10-01/withdrawals`,
      `/v1/staff/tahap/${tahap}/withdrawal-days?bank=XYZ`,
      `/v1/staff/tahap/${tahap}/withdrawal-days?day=1001`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json<{ code: string }>().code, url).toMatch(/^EDC_ERR_/);
    }
    expect((await app.inject({ url: `/v1/staff/tahap/${tahap}/withdrawal-days` })).statusCode).toBe(401);
  });
});
