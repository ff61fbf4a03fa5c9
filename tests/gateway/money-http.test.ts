/**
 * Issue 11 items 5, 7 and 8 through the gateway's HTTP surface (the real app, a real LevelDB
 * store): a cloned key's uploads are refused 409 fork while its whole branch is kept and counted,
 * held out of payable until a reconciler resolves it over the staff API; an entitlement set
 * issued by the real route is recorded whole, so a withdrawal outside it is an exception; and a
 * bundle whose fork spans several chunks keeps every payout.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import type { SettlementCounters } from '../../gateway/recon/counters.ts';
import type { ExceptionView, WithdrawalView } from '../../gateway/store/types.ts';
import { genesisHash, type LedgerEntry, type SignedEntitlementSet } from '../../protocol/messages/schemas.ts';
import { signBundleManifest } from '../../protocol/messages/signed.ts';
import {
  enroll,
  newAgent,
  panOf,
  row,
  signedHeaders,
  tahap,
  tempStore,
  testConfig,
  ulid,
  withdrawal,
  type TempStore,
  type TestAgent,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let agent: TestAgent;
let other: TestAgent;
let token = '';
const now = 1_800_000_000_000;
const kpms = Array.from({ length: 10 }, (_, i) => `KPM-${String(i + 1).padStart(4, '0')}`);

beforeEach(async () => {
  t = await tempStore();
  const config = testConfig({ limits: { withdrawalAmountMax: 400_000, cashFloat: 50_000_000, queueEntriesMax: 5000 } });
  app = (await buildGateway({ store: t.store, keys: t.keys, config, now: () => now })).app;
  const staff = newToken('admin', 'ana', 1);
  await t.store.putToken(staff.record);
  token = staff.token;
  agent = newAgent('AGT-001');
  other = newAgent('AGT-002');
  await enroll(t.store, agent, kpms);
  await enroll(t.store, other, ['KPM-0099']);
  await t.store.applyDisbursements(
    [...kpms, 'KPM-0099'].map((k) => row(k, 600_000)),
    {
      fileSha256: 'a'.repeat(64),
      now: 1,
    },
  );
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

function upload(a: TestAgent, entries: LedgerEntry[]) {
  const path = `/v1/agents/${a.agentId}/uploads`;
  const body = JSON.stringify({ v: 1, agentId: a.agentId, entries });
  return app.inject({
    method: 'POST',
    url: path,
    payload: body,
    headers: signedHeaders(a, 'POST', path, body, { now }),
  });
}

async function entitlements(a: TestAgent): Promise<SignedEntitlementSet> {
  const path = `/v1/agents/${a.agentId}/entitlements`;
  const res = await app.inject({ method: 'GET', url: path, headers: signedHeaders(a, 'GET', path, '', { now }) });
  expect(res.statusCode).toBe(200);
  return res.json();
}

function staff(url: string, payload?: unknown) {
  const headers = { authorization: `Bearer ${token}` };
  if (payload === undefined) return app.inject({ method: 'GET', url, headers });
  return app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
}

const pay = (a: TestAgent, set: SignedEntitlementSet, kpmId: string, amount: number, extra = {}) =>
  withdrawal(a, t.keys, { kpmId, amount, pan: panOf(kpmId), setId: set.setId, at: now, ...extra });

describe('money that must show, over HTTP', () => {
  it(
    'a clone is told 409 fork, its whole branch is counted as fork and held; resolving one as confirmed ' +
      'moves it to payable and reconcile still agrees',
    async () => {
      const set = await entitlements(agent);
      const genuine = [pay(agent, set, 'KPM-0001', 300_000), pay(agent, set, 'KPM-0002', 300_000)];
      expect((await upload(agent, genuine)).statusCode).toBe(200);
      const clone: TestAgent = { ...agent, seq: 0, head: genesisHash };
      const paidByClone = [
        pay(clone, set, 'KPM-0001', 300_000, { terminalId: 'CLONE001' }),
        pay(clone, set, 'KPM-0003', 200_000, { terminalId: 'CLONE001' }),
      ];
      const res = await upload(clone, paidByClone);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'EDC_ERR_UPLOAD_FORK', details: { seq: 1 } });
      const evidence = (await staff(`/v1/staff/agents/AGT-001/evidence`)).json<{ items: { kind: string }[] }>();
      expect(evidence.items.map((e) => e.kind)).toEqual(['fork', 'fork']);

      const forks = (await staff(`/v1/staff/tahap/${tahap}/withdrawals?category=fork`)).json<{
        items: WithdrawalView[];
      }>();
      expect(forks.items.map((w) => [w.source, w.amount, w.settlement])).toEqual([
        ['fork', 300_000, 'disputed'],
        ['fork', 200_000, 'disputed'],
      ]);
      const settlement = async () =>
        (await staff(`/v1/staff/tahap/${tahap}/settlements`)).json<Record<string, SettlementCounters>>()['AGT-001'];
      expect(await settlement()).toMatchObject({ payable: 600_000, disputed: 500_000, claimed: 1_100_000 });

      const exceptions = (await staff(`/v1/staff/tahap/${tahap}/exceptions?limit=100`)).json<{
        items: ExceptionView[];
      }>();
      const held = exceptions.items.find((x) => x.kind === 'fork' && x.amount === 200_000)!;
      expect(held.id).toBe(`W:${tahap}:${forks.items[1]!.ref}`);
      const move = (to: string, reason?: string) =>
        staff(`/v1/staff/exceptions/${encodeURIComponent(held.id)}/transition`, { to, note: 'cek', reason });
      expect((await move('investigating')).statusCode).toBe(200);
      expect((await move('resolved', 'confirmed')).json()).toMatchObject({ state: 'resolved', kind: 'fork' });
      expect(await settlement()).toMatchObject({ payable: 800_000, disputed: 300_000, refused: 0 });
      const result = (await staff(`/v1/staff/tahap/${tahap}/reconcile`, {})).json<{ agree: boolean }>();
      expect(result.agree).toBe(true);

      const csv = (await staff(`/v1/staff/tahap/${tahap}/export.csv?category=fork`)).body;
      const records: Record<string, string>[] = parse(csv, { columns: true });
      expect(records.map((r) => [r.ref, r.source, r.settlement])).toEqual(
        forks.items.map((w, i) => [w.ref, 'fork', i === 1 ? 'payable' : 'disputed']),
      );
    },
  );

  it('a set issued by the route is recorded whole: withdrawals outside it are held exceptions', async () => {
    const set = await entitlements(agent);
    expect(set.limits.withdrawalAmountMax).toBe(400_000);
    const entries = [
      pay(agent, set, 'KPM-0001', 100_000), // ok
      pay(agent, set, 'KPM-0002', 450_000), // over_limit
      pay(agent, set, 'KPM-0099', 100_000), // another agent's KPM: unallocated
      pay(agent, set, 'KPM-0003', 100_000, { at: set.issuedAt - 400_000 }), // clock set back past the skew
      pay(agent, set, 'KPM-0004', 100_000, { at: set.issuedAt - 200_000 }), // within the skew: ok
    ];
    expect((await upload(agent, entries)).statusCode).toBe(200);
    const sum = (await staff(`/v1/staff/tahap/${tahap}/summary`)).json<{
      counters: { withdrawalsByCategory: Record<string, { count: number }> };
    }>();
    expect(sum.counters.withdrawalsByCategory).toMatchObject({
      ok: { count: 2 },
      over_limit: { count: 1 },
      unallocated: { count: 1 },
      clock: { count: 1 },
    });
    const settlements = (await staff(`/v1/staff/tahap/${tahap}/settlements`)).json<
      Record<string, SettlementCounters>
    >();
    expect(settlements['AGT-001']).toMatchObject({ payable: 200_000, disputed: 650_000 });
  });

  it('a bundle whose fork spans several chunks keeps the whole branch, then answers the fork', async () => {
    const set = await entitlements(agent);
    expect((await upload(agent, [pay(agent, set, 'KPM-0001', 1000)])).statusCode).toBe(200);
    const clone: TestAgent = { ...agent, seq: 0, head: genesisHash };
    const branch = Array.from({ length: 620 }, (_, i) =>
      pay(clone, set, kpms[i % kpms.length]!, 1000, { terminalId: 'CLONE001' }),
    );
    const manifest = signBundleManifest(
      {
        v: 1,
        bundleId: ulid(),
        agentId: 'AGT-001',
        createdAt: now,
        fromSeq: 1,
        toSeq: branch.length,
        headHash: branch[branch.length - 1]!.hash,
      },
      agent.seed,
    );
    const res = await staff('/v1/staff/import/bundle', { manifest, entries: branch });
    expect(res.json()).toMatchObject({ statusCode: 409, code: 'EDC_ERR_UPLOAD_FORK' });
    const sum = (await staff(`/v1/staff/tahap/${tahap}/summary`)).json<{
      counters: { withdrawalsByCategory: Record<string, { count: number; amount: number }> };
    }>();
    expect(sum.counters.withdrawalsByCategory.fork).toEqual({ count: 620, amount: 620_000 });
    expect((await t.store.head('AGT-001')).seq).toBe(1);
  });
});
