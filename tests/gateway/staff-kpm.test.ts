/**
 * POST /v1/staff/kpm/lookup over a real listening gateway: found by NIK, KKS card or KPM id;
 * personal data for reconcilers only; every look-up audited without the searched value; bad
 * input refused with a code and no audit of a found KPM.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { ingestSegment } from '../../gateway/ingest/upload.ts';
import type { AuditRecord } from '../../gateway/store/types.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  row,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let url = '';
const tokens: Record<string, string> = {};
const nik = '3201010101900042';

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => 1_800_000_000_000 })).app;
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  for (const role of ['viewer', 'reconciler'] as const) {
    const { token, record } = newToken(role, `ui-${role}`, 1);
    await t.store.putToken(record);
    tokens[role] = token;
  }
  await t.store.applyDisbursements([row('KPM-0001', 750_000, { nik, line: 9, reference: 'BRI-9' })], {
    fileSha256: 'c'.repeat(64),
    now: 1,
  });
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

function lookup(role: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/staff/kpm/lookup`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function lookups(): Promise<AuditRecord[]> {
  return (await t.store.audit({ limit: 1000 })).items.filter((r) => r.action === 'kpm.lookup');
}

describe('POST /v1/staff/kpm/lookup', () => {
  it('finds by NIK, KKS and id; a reconciler sees the name and NIK, a viewer does not', async () => {
    const agent = newAgent('AGT-K1');
    await enroll(t.store, agent, ['KPM-0001']);
    const setId = await issueSet(t.store, agent, 1_900_000_000_000);
    const w = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 200_000, pan: panOf('KPM-0001'), setId });
    await ingestSegment(t.store, agent.record!, [w], 1_800_000_000_000);
    const byNik = await lookup('reconciler', { by: 'nik', value: nik });
    expect(byNik.status).toBe(200);
    const d = (await byNik.json()) as {
      tahaps: { rows: Record<string, unknown>[]; withdrawals: Record<string, unknown>[] }[];
    };
    expect(d).toMatchObject({ kpmId: 'KPM-0001', by: 'nik', personal: { nik, name: 'SITI AMINAH' } });
    expect(d.tahaps[0]?.rows[0]).toMatchObject({ reference: 'BRI-9', line: 9, fileSha256: 'c'.repeat(64) });
    expect(d.tahaps[0]?.withdrawals[0]).toMatchObject({ agentId: 'AGT-K1', stan: w.stan, setId, category: 'ok' });
    const byKks = (await (await lookup('viewer', { by: 'kks', value: panOf('KPM-0001') })).json()) as object;
    expect(byKks).toMatchObject({ kpmId: 'KPM-0001' });
    expect(byKks).not.toHaveProperty('personal');
    expect(JSON.stringify(byKks)).not.toContain(nik);
    expect(await (await lookup('viewer', { by: 'kpmId', value: 'KPM-0001' })).json()).toMatchObject({
      kpmId: 'KPM-0001',
    });
    const audit = await lookups();
    expect(audit.map((r) => r.details)).toEqual([
      { by: 'nik', found: 'KPM-0001', personal: true },
      { by: 'kks', found: 'KPM-0001', personal: false },
      { by: 'kpmId', found: 'KPM-0001', personal: false },
    ]);
    const all = JSON.stringify((await t.store.audit({ limit: 1000 })).items);
    expect(all).not.toContain(nik);
    expect(all).not.toContain(panOf('KPM-0001'));
  });

  it('an unknown NIK is 404 and audited as not found; a malformed one is refused with a code', async () => {
    const missing = await lookup('viewer', { by: 'nik', value: '3201010101900099' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'EDC_ERR_NOT_FOUND' });
    expect((await lookups()).map((r) => r.details)).toEqual([{ by: 'nik', found: null, personal: false }]);
    const bad = await lookup('viewer', { by: 'nik', value: '12ab' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'EDC_ERR_BODY_INVALID' });
    expect(await lookups()).toHaveLength(1);
    expect((await fetch(`${url}/v1/staff/kpm/lookup`, { method: 'POST' })).status).toBe(401);
  });
});
