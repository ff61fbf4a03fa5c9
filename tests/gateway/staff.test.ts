import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { signBundleManifest } from '../../protocol/messages/signed.ts';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import type { Role } from '../../gateway/store/types.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  row,
  tahap,
  tempStore,
  testConfig,
  ulid,
  withdrawal,
  type TempStore,
  type TestAgent,
} from './helpers.ts';
import { ingestSegment } from '../../gateway/ingest/upload.ts';
import { observableState } from './store/observable.ts';

let t: TempStore;
let app: FastifyInstance;
let agent: TestAgent;
const tokens: Record<Role, string> = { viewer: '', reconciler: '', admin: '' };

beforeEach(async () => {
  t = await tempStore();
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), now: () => 1_800_000_000_000 })).app;
  for (const role of ['viewer', 'reconciler', 'admin'] as const) {
    const { token, record } = newToken(role, `staff-${role}`, 1);
    await t.store.putToken(record);
    tokens[role] = token;
  }
  agent = newAgent('AGT-S1');
  await enroll(t.store, agent, ['KPM-0001', 'KPM-0002']);
  await t.store.applyDisbursements([row('KPM-0001', 500_000), row('KPM-0002', 400_000, { status: 'failed' })], {
    fileSha256: 'a'.repeat(64),
    now: 1,
  });
  const setId = await issueSet(t.store, agent);
  await ingestSegment(
    t.store,
    agent.record!,
    [withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 200_000, pan: panOf('KPM-0001'), setId })],
    5,
  );
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

interface RouteCase {
  method: 'GET' | 'POST';
  url: string;
  role: Role;
  payload?: unknown;
}

const routes: RouteCase[] = [
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/summary`, role: 'viewer' },
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/positions?category=partial`, role: 'viewer' },
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/withdrawals?category=ok`, role: 'viewer' },
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/settlements`, role: 'viewer' },
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/exceptions`, role: 'viewer' },
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/export.csv?category=partial`, role: 'viewer' },
  { method: 'GET', url: `/v1/staff/tahap/${tahap}/reconciliations`, role: 'viewer' },
  { method: 'GET', url: '/v1/staff/agents', role: 'viewer' },
  { method: 'GET', url: '/v1/staff/agents/AGT-S1/evidence', role: 'reconciler' },
  {
    method: 'POST',
    url: `/v1/staff/exceptions/K:${tahap}:KPM-0002/transition`,
    role: 'reconciler',
    payload: { to: 'investigating', note: 'cek rekening' },
  },
  { method: 'POST', url: `/v1/staff/tahap/${tahap}/reconcile`, role: 'reconciler', payload: {} },
  { method: 'GET', url: '/v1/staff/audit', role: 'admin' },
  { method: 'POST', url: '/v1/staff/tokens', role: 'admin', payload: { role: 'viewer', name: 'budi' } },
  { method: 'POST', url: '/v1/staff/agents/AGT-S1/revoke', role: 'admin', payload: {} },
  { method: 'POST', url: '/v1/staff/import/bundle', role: 'admin', payload: { manifest: {}, entries: [] } },
];
const rank: Role[] = ['viewer', 'reconciler', 'admin'];

function call(route: RouteCase, token: string | undefined) {
  return app.inject({
    method: route.method,
    url: route.url,
    ...(route.payload === undefined ? {} : { payload: route.payload as object }),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

describe('staff routes check the role', () => {
  for (const route of routes) {
    it(
      `${route.method} ${route.url.split('?')[0]} needs ${route.role}:` +
        ' 401 without a token, 403 below, allowed at or above',
      async () => {
        expect((await call(route, undefined)).json()).toMatchObject({
          statusCode: 401,
          code: 'EDC_ERR_STAFF_UNAUTHENTICATED',
        });
        expect((await call(route, 'edcst_' + 'x'.repeat(43))).statusCode).toBe(401);
        for (const role of rank) {
          const res = await call(route, tokens[role]);
          if (rank.indexOf(role) < rank.indexOf(route.role))
            expect(res.json(), role).toMatchObject({ statusCode: 403, code: 'EDC_ERR_STAFF_FORBIDDEN' });
          else expect([401, 403], `${role}: ${res.body.slice(0, 200)}`).not.toContain(res.statusCode);
        }
      },
    );
  }
});

describe('staff routes', () => {
  const auth = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

  it('summary balances and filters; positions, CSV and settlements show the same facts', async () => {
    const summary = (
      await app.inject({ url: `/v1/staff/tahap/${tahap}/summary?bank=BRI&region=32`, headers: auth('viewer') })
    ).json();
    expect(summary).toMatchObject({
      balanced: true,
      counters: { disbursed: 900_000, withdrawn: 200_000, unclaimed: 300_000, failed: 400_000 },
    });
    expect(
      (await app.inject({ url: `/v1/staff/tahap/${tahap}/summary?region=33`, headers: auth('viewer') })).json().counters
        .disbursed,
    ).toBe(0);
    const csv = await app.inject({
      url: `/v1/staff/tahap/${tahap}/export.csv?category=partial`,
      headers: auth('viewer'),
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')).toEqual([
      'kpmId,bank,regionCode,category,credited,failed,returned,drawn,withdrawn,unclaimed,overdrawnExcess,' +
        'rowFile,rowLine,rowReference,rowStatus',
      `KPM-0001,BRI,3201010001,partial,500000,0,0,200000,200000,300000,0,${'a'.repeat(64)},2,REF-KPM-0001,credited`,
      '',
    ]);
    expect(
      (await app.inject({ url: `/v1/staff/tahap/${tahap}/settlements`, headers: auth('viewer') })).json(),
    ).toMatchObject({ 'AGT-S1': { payable: 200_000, claimed: 200_000, disputed: 0 } });
  });

  it('region filters take only the prefixes of a region code: 2, 4, 6 or 10 digits', async () => {
    for (const region of ['32', '3201', '320101', '3201010001']) {
      for (const path of ['summary?', 'positions?category=partial&', 'exceptions?', 'export.csv?category=partial&']) {
        const res = await app.inject({
          url: `/v1/staff/tahap/${tahap}/${path}region=${region}`,
          headers: auth('viewer'),
        });
        expect(res.statusCode, `${path} ${region}`).toBe(200);
      }
    }
    for (const region of ['3', '320', '32010', '3201010', '32010100', '320101000', '32010100011', '32a1']) {
      for (const path of ['summary?', 'withdrawals?category=ok&', 'exceptions?', 'export.csv?category=partial&']) {
        const res = await app.inject({
          url: `/v1/staff/tahap/${tahap}/${path}region=${region}`,
          headers: auth('viewer'),
        });
        expect(res.json(), `${path} ${region}`).toMatchObject({ statusCode: 400, code: 'EDC_ERR_BODY_INVALID' });
        expect(res.json().message).toContain('2, 4, 6 or 10 digits');
      }
    }
  });

  it('a tahap with nothing imported or withdrawn is 404 EDC_ERR_TAHAP_UNKNOWN on every tahap route', async () => {
    const paths = [
      'summary',
      'positions?category=matched',
      'withdrawals?category=ok',
      'settlements',
      'exceptions',
      'export.csv?category=unclaimed',
      'reconciliations',
    ];
    const observed = async () => {
      const { audit: _audit, ...rest } = await observableState(t.store, { tahaps: [tahap, '2030-I'] });
      return rest;
    };
    const before = await observed();
    for (const path of paths) {
      const res = await app.inject({ url: `/v1/staff/tahap/2030-I/${path}`, headers: auth('admin') });
      expect(res.json(), path).toMatchObject({ statusCode: 404, code: 'EDC_ERR_TAHAP_UNKNOWN' });
      expect(res.json().message).toContain('2030-I');
    }
    const reconcile = await app.inject({
      method: 'POST',
      url: '/v1/staff/tahap/2030-I/reconcile',
      headers: auth('reconciler'),
      payload: {},
    });
    expect(reconcile.json()).toMatchObject({ statusCode: 404, code: 'EDC_ERR_TAHAP_UNKNOWN' });
    expect(await observed()).toEqual(before);
    // Known from a withdrawal alone (the bank file not imported yet): answered, not balanced by accident.
    const early = newAgent('AGT-S2');
    await enroll(t.store, early, ['KPM-0009']);
    const entry = withdrawal(early, t.keys, {
      kpmId: 'KPM-0009',
      amount: 50_000,
      pan: panOf('KPM-0009'),
      tahap: '2027-I',
    });
    await ingestSegment(t.store, early.record!, [entry], 6);
    const known = await app.inject({ url: '/v1/staff/tahap/2027-I/summary', headers: auth('viewer') });
    expect(known.json()).toMatchObject({ tahap: '2027-I', counters: { disbursed: 0 } });
  });

  it('a bad query is 400 EDC_ERR_BODY_INVALID and changes nothing', async () => {
    const res = await app.inject({ url: `/v1/staff/tahap/${tahap}/positions?category=nope`, headers: auth('viewer') });
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'EDC_ERR_BODY_INVALID' });
  });

  it('exceptions move through their states with notes, and every staff request is audited', async () => {
    const id = `K:${tahap}:KPM-0002`;
    const move = (to: string, reason?: string) =>
      app.inject({
        method: 'POST',
        url: `/v1/staff/exceptions/${id}/transition`,
        headers: auth('reconciler'),
        payload: { to, note: 'catatan', ...(reason ? { reason } : {}) },
      });
    expect((await move('investigating')).json()).toMatchObject({
      state: 'investigating',
      kind: 'no_disbursement',
      amount: 400_000,
    });
    expect((await move('resolved')).json()).toMatchObject({ statusCode: 409, code: 'EDC_ERR_EXCEPTION_TRANSITION' });
    expect((await move('resolved', 'returned_to_treasury')).json()).toMatchObject({
      state: 'resolved',
      history: [{ to: 'investigating' }, { to: 'resolved', reason: 'returned_to_treasury' }],
    });
    const audit = (await app.inject({ url: '/v1/staff/audit?limit=100', headers: auth('admin') })).json<{
      items: { actor: string; action: string }[];
    }>();
    expect(audit.items.filter((a) => a.action.includes('/exceptions/:id/transition')).map((a) => a.actor)).toEqual([
      'staff-reconciler',
      'staff-reconciler',
      'staff-reconciler',
    ]);
  });

  it('refused staff requests (401, 403) are audited with route, method, status, address, not the token', async () => {
    const unknown = 'edcst_' + 'u'.repeat(43);
    const refused = [
      { url: `/v1/staff/tahap/${tahap}/summary`, headers: {} },
      { url: `/v1/staff/tahap/${tahap}/summary`, headers: { authorization: `Bearer ${unknown}` } },
      { url: '/v1/staff/agents', headers: { authorization: 'Basic c2l0aTpyYWhhc2lh' } },
      { url: '/v1/staff/audit?limit=5', headers: auth('viewer') },
    ];
    const statuses = [];
    for (const r of refused) statuses.push((await app.inject(r)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 403]);
    const post = await app.inject({
      method: 'POST',
      url: '/v1/staff/agents/AGT-S1/revoke',
      headers: auth('reconciler'),
      payload: {},
    });
    expect(post.statusCode).toBe(403);
    const audit = (await app.inject({ url: '/v1/staff/audit?limit=100', headers: auth('admin') })).json<{
      items: { actor: string; action: string; details: Record<string, unknown> }[];
    }>();
    const rows = audit.items.filter((a) => [401, 403].includes(a.details.status as number));
    expect(rows.map((a) => [a.actor, a.action, a.details.status, a.details.code])).toEqual([
      ['unauthenticated', 'GET /v1/staff/tahap/:tahap/summary', 401, 'EDC_ERR_STAFF_UNAUTHENTICATED'],
      ['unauthenticated', 'GET /v1/staff/tahap/:tahap/summary', 401, 'EDC_ERR_STAFF_UNAUTHENTICATED'],
      ['unauthenticated', 'GET /v1/staff/agents', 401, 'EDC_ERR_STAFF_UNAUTHENTICATED'],
      ['staff-viewer', 'GET /v1/staff/audit', 403, 'EDC_ERR_STAFF_FORBIDDEN'],
      ['staff-reconciler', 'POST /v1/staff/agents/:agentId/revoke', 403, 'EDC_ERR_STAFF_FORBIDDEN'],
    ]);
    for (const a of rows) expect(a.details.address).toBe('127.0.0.1');
    expect(rows[0]!.details.token).toBe('none');
    expect(rows[1]!.details.token).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(rows[3]!.details).toMatchObject({ role: 'viewer' });
    const everything = JSON.stringify(await observableState(t.store, { tahaps: [tahap] }));
    for (const secret of [unknown, 'c2l0aTpyYWhhc2lh', tokens.viewer, tokens.reconciler])
      expect(everything).not.toContain(secret);
    expect((await t.store.getAgent('AGT-S1'))?.status).toBe('active');
  });

  it('a staff body that is not application/json is 415 EDC_ERR_MEDIA_TYPE', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/staff/tokens',
      headers: { ...auth('admin'), 'content-type': 'text/plain' },
      payload: '{"role":"viewer","name":"budi"}',
    });
    expect(res.json()).toMatchObject({ statusCode: 415, code: 'EDC_ERR_MEDIA_TYPE' });
  });

  it('imports an agent bundle over HTTP (admin) and acknowledges a second import as duplicates', async () => {
    const e2 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001') });
    const e3 = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 50_000, pan: panOf('KPM-0001') });
    const manifest = signBundleManifest(
      { v: 1, bundleId: ulid(), agentId: agent.agentId, createdAt: 9, fromSeq: 2, toSeq: 3, headHash: e3.hash },
      agent.seed,
    );
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/v1/staff/import/bundle',
        headers: auth('admin'),
        payload: { manifest, entries: [e2, e3] },
      });
    expect((await post()).json()).toMatchObject({ accepted: 2, duplicates: 0, headSeq: 3 });
    expect((await post()).json()).toMatchObject({ accepted: 0, duplicates: 2, headSeq: 3 });
    const forged = { ...manifest, toSeq: 2 };
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/staff/import/bundle',
      headers: auth('admin'),
      payload: { manifest: forged, entries: [e2] },
    });
    expect(bad.json()).toMatchObject({ statusCode: 422, code: 'EDC_ERR_BUNDLE_INVALID' });
  });

  it('serves /healthz, /readyz, /metrics, /docs and /dashboard', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    await app.inject({ url: '/v1/staff/agents' });
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('edc_gateway_errors_total{code="EDC_ERR_STAFF_UNAUTHENTICATED"} 1');
    // prom-client writes `le` first; the series is the same whatever the label order.
    expect(metrics).toContain(
      'edc_gateway_request_duration_seconds_bucket{le="+Inf",route="/healthz",method="GET",status="200"} 1',
    );
    expect((await app.inject({ url: '/docs/json' })).json().paths).toHaveProperty('/v1/agents/{agentId}/uploads');
    expect((await app.inject({ url: '/dashboard' })).headers['content-type']).toContain('text/html');
    expect((await app.inject({ url: '/nowhere' })).json()).toMatchObject({
      statusCode: 404,
      code: 'EDC_ERR_NOT_FOUND',
    });
  });
});
