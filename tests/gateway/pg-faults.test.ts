/**
 * Database connection faults under gateway replicas on PostgreSQL (gateway/store/pg/README.md,
 * "Database faults"). Two `edc-gateway serve --store postgres://...` child processes, each
 * reaching the real server through its own wire-protocol proxy (tests/support/pg-proxy.ts) and
 * with its own application_name, so that the test terminates only its own backends. Injected:
 * backends terminated (pg_terminate_backend) at random moments while agents upload, connections
 * cut by the proxy, a COMMIT cut before it reached the server and one cut after the server
 * committed it (the ambiguous commit), and the server refusing connections for seconds.
 * Afterwards: the stored chains equal the agents' ledgers exactly (nothing lost, nothing twice),
 * `reconcile` agrees (counters equal the recompute), every refusal was a coded 503 with
 * Retry-After, and the same replica processes serve again once the database answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayKeys } from '../../gateway/config.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import type { LedgerEntry, WithdrawalEntry } from '../../protocol/messages/index.ts';
import { createPrng, type Prng } from '../../simulators/common/prng.ts';
import { pgForTests, withPgClient } from '../support/pg.ts';
import { PgFaultProxy } from '../support/pg-proxy.ts';
import { panOf, withdrawal, type TestAgent } from './helpers.ts';
import * as sim from './replica-agents.ts';
import {
  initGateway,
  startFront,
  startReplica,
  stopReplica,
  withSchema,
  type Front,
  type Replica,
} from './replica-support.ts';

const db = await pgForTests('pgfaults');
const storeUrl = withSchema(db.url, db.schema);
const seed = Number(process.env.EDC_PGFAULTS_SEED ?? 20261201);
const injectionsTarget = Number(process.env.EDC_PGFAULTS_INJECTIONS ?? 24);
const agentsCount = 3;
const kpmsPerAgent = 4;
const replicasCount = 2;

let dir: string;
let gw: string;
let keys: GatewayKeys;
const proxies: PgFaultProxy[] = [];
const appNames: string[] = [];
const replicas: Replica[] = [];
let front: Front | undefined;

const isChainCommit = (statements: readonly string[]) => statements.some((s) => s.startsWith('INSERT INTO chain ('));

/** The store URL of replica i: through its proxy, with its own application_name. */
function replicaStoreUrl(i: number): string {
  const u = new URL(storeUrl);
  u.host = `127.0.0.1:${proxies[i]!.port}`;
  u.searchParams.set('application_name', appNames[i]!);
  return u.toString();
}

/** Terminates the backends of replica i (all of them, or one at random); never another session. */
async function terminateBackends(i: number, prng: Prng): Promise<number> {
  return withPgClient(db.url, async (c) => {
    const res = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
      appNames[i],
    ]);
    const pids = res.rows.map((r) => r.pid);
    const chosen = prng.chance(0.5) ? pids : pids.slice(prng.int(0, Math.max(0, pids.length - 1))).slice(0, 1);
    for (const pid of chosen) await c.query('SELECT pg_terminate_backend($1)', [pid]);
    return chosen.length;
  });
}

beforeAll(async () => {
  if (!db.available) return;
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-pgfaults-'));
  gw = join(dir, 'gw');
  keys = await initGateway(gw, storeUrl);
  const target = new URL(db.url);
  for (let i = 0; i < replicasCount; i++) {
    proxies.push(await PgFaultProxy.start({ host: target.hostname, port: Number(target.port || 5432) }));
    appNames.push(`edc-${db.schema}-r${i}`.slice(0, 63));
  }
  replicas.push(...(await Promise.all(proxies.map((_, i) => startReplica(gw, ['--store', replicaStoreUrl(i)])))));
  // Each new HTTP connection goes to the next replica (as a load balancer would).
  front = await startFront((n) => replicas[n % replicas.length]!.port);
}, 120_000);

afterAll(async () => {
  await front?.close();
  await Promise.all(replicas.map((r) => stopReplica(r)));
  await Promise.all(proxies.map((p) => p.close()));
  await db.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function openStore(): Promise<PgStore> {
  return PgStore.open({ url: storeUrl, ...keys, tahapClosesAt: {} });
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { code?: string; details?: { ambiguous?: boolean }; accepted?: number; duplicates?: number };
}

async function postUpload(base: string, a: TestAgent, entries: readonly LedgerEntry[]): Promise<Answer> {
  const res = await sim.postSignedUpload(base, a, entries);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

async function readyz(base: string): Promise<number> {
  const res = await fetch(`${base}/readyz`);
  await res.arrayBuffer();
  return res.status;
}

/** The replicas' error counts by code (their /metrics), summed. */
async function errorCodes(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of replicas) {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    for (const m of text.matchAll(/^edc_gateway_errors_total\{code="([A-Z_]+)"\} ([0-9]+)$/gm))
      out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Both replica processes still the ones started, having written nothing but their start line. */
function expectAlive(): void {
  for (const r of replicas) {
    const lines = r
      .stderr()
      .split('\n')
      .filter((l) => l !== '' && !l.includes('listening on'));
    expect([r.child.exitCode, r.child.signalCode, lines]).toEqual([null, null, []]);
  }
}

async function expectStoredOnce(store: PgStore, agentId: string, ledger: readonly LedgerEntry[]): Promise<void> {
  const held = await store.entries(agentId, 1, 100_000);
  expect(held.map((e) => e.hash)).toEqual(ledger.map((e) => e.hash));
}

describe.skipIf(!db.available)('PostgreSQL connection faults under two replicas', () => {
  it('a COMMIT cut after the server committed: 503 ambiguous, the retry is recognised and stored once', async () => {
    const store = await openStore();
    try {
      const { agent: a } = await sim.enrolAgent(store, keys, 'AGT-AMB', ['KPM-AMB-0']);
      const pan = panOf('KPM-AMB-0');
      const batch = (n: number) =>
        Array.from({ length: n }, () => withdrawal(a, keys, { kpmId: 'KPM-AMB-0', amount: 10_000, pan }));
      const first = batch(3);
      const cut = proxies[0]!.armCommitCut({ mode: 'after-answer', when: isChainCommit });
      const refused = await postUpload(replicas[0]!.url, a, first);
      expect((await cut).serverSaid).toBe('COMMIT');
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('EDC_ERR_STORE_UNREACHABLE');
      expect(refused.body.details?.ambiguous).toBe(true);
      expect(refused.retryAfter).toBe('2');
      // The write was stored although the replica could not know it; the agent's retry, at either replica.
      await expectStoredOnce(store, 'AGT-AMB', first);
      for (const r of [replicas[1]!, replicas[0]!]) {
        const again = await postUpload(r.url, a, first);
        expect([again.status, again.body.accepted, again.body.duplicates]).toEqual([200, 0, 3]);
      }
      // Cut before the server saw the COMMIT: nothing stored, and the retry stores it.
      const second = batch(2);
      const cut2 = proxies[1]!.armCommitCut({ mode: 'before-send', when: isChainCommit });
      const refused2 = await postUpload(replicas[1]!.url, a, second);
      await cut2;
      expect([refused2.status, refused2.body.code, refused2.body.details?.ambiguous]).toEqual([
        503,
        'EDC_ERR_STORE_UNREACHABLE',
        true,
      ]);
      await expectStoredOnce(store, 'AGT-AMB', first);
      const retried = await postUpload(replicas[0]!.url, a, [...first, ...second]);
      expect([retried.status, retried.body.accepted, retried.body.duplicates]).toEqual([200, 2, 3]);
      await expectStoredOnce(store, 'AGT-AMB', [...first, ...second]);
      expectAlive();
      await sim.expectReconcileAgrees(gw, storeUrl);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the server refusing connections for 3 s: coded 503s, then the same processes serve again', async () => {
    const store = await openStore();
    try {
      const { agent: a } = await sim.enrolAgent(store, keys, 'AGT-DOWN', ['KPM-DOWN-0']);
      const entries = [withdrawal(a, keys, { kpmId: 'KPM-DOWN-0', amount: 20_000, pan: panOf('KPM-DOWN-0') })];
      for (const p of proxies) {
        p.refuse(true);
        p.cutAll();
      }
      const downSince = Date.now();
      const answers: Answer[] = [];
      while (Date.now() - downSince < 3000) {
        for (const r of replicas) {
          answers.push(await postUpload(r.url, a, entries));
          expect(await readyz(r.url)).toBe(503);
        }
        await sim.sleep(200);
      }
      expect(answers.length).toBeGreaterThanOrEqual(4);
      for (const answer of answers)
        expect([answer.status, answer.body.code, answer.retryAfter]).toEqual([503, 'EDC_ERR_STORE_UNREACHABLE', '2']);
      expect(proxies.every((p) => p.counts.refused > 0)).toBe(true);
      await expectStoredOnce(store, 'AGT-DOWN', []);
      for (const p of proxies) p.refuse(false);
      for (const r of replicas) expect(await readyz(r.url)).toBe(200);
      const stored = await postUpload(replicas[1]!.url, a, entries);
      expect([stored.status, stored.body.accepted]).toEqual([200, 1]);
      await expectStoredOnce(store, 'AGT-DOWN', entries);
      expectAlive();
    } finally {
      await store.close();
    }
  }, 60_000);

  it(`>= ${injectionsTarget} backend terminations and cuts while agents upload: every entry stored once`, async () => {
    const store = await openStore();
    try {
      const plan = { tag: 'F', agents: agentsCount, kpmsPerAgent, gatewayUrl: front!.url, batchEntriesMax: 20, seed };
      const agents = await sim.setUpAgents(store, keys, plan);
      let running = true;
      const refusals: string[] = [];
      const forwarding = agents.map((a) => forward(a, () => running, refusals));
      const tally = await injectLoop(createPrng(seed));
      running = false;
      await Promise.all(forwarding);
      for (const a of agents) await sim.drain(a);
      let total = 0;
      for (const a of agents) {
        await expectStoredOnce(store, a.agent.agentId, a.core.entries);
        expect((await store.getAgent(a.agent.agentId))?.flagged).toBe(false);
        total += a.core.entries.length;
      }
      const summary = await store.summary('2026-IV', {});
      const withdrawals = Object.values(summary.withdrawalsByCategory).reduce((n, w) => n + w.count, 0);
      // And the other tests' agents, when they ran.
      let others = 0;
      let rupiah = 0;
      for (const agentId of ['AGT-AMB', 'AGT-DOWN']) {
        const held = await store.entries(agentId, 1, 100);
        others += held.length;
        rupiah += held.reduce((sum, e) => sum + (e as WithdrawalEntry).amount, 0);
      }
      expect(withdrawals).toBe(total + others);
      // Every rupiah the agents paid, once: no KPM here draws beyond its credit.
      for (const a of agents) rupiah += a.core.entries.reduce((sum, e) => sum + (e as WithdrawalEntry).amount, 0);
      expect([summary.drawn, summary.withdrawn]).toEqual([rupiah, rupiah]);
      await sim.expectReconcileAgrees(gw, storeUrl);
      // Every refusal the agents met was a coded 503 (a store fault or, rarely, a conflict), never a 500.
      expect(refusals.filter((r) => !/^503 EDC_ERR_STORE_(UNREACHABLE|CONFLICT)$/.test(r))).toEqual([]);
      const codes = await errorCodes();
      expect(codes.EDC_ERR_INTERNAL ?? 0).toBe(0);
      expectAlive();
      for (const r of replicas) expect(await readyz(r.url)).toBe(200);
      console.info(
        `[pg-faults] seed ${seed}: ${tally.terminations} terminations (${tally.backends} backends), ` +
          `${tally.cuts} proxy cuts, ${tally.commitCuts} COMMIT cuts; ${total} entries from ${agentsCount} agents ` +
          `stored once; ${refusals.length} refused passes; error codes ${JSON.stringify(codes)}`,
      );
      expect(tally.terminations).toBeGreaterThanOrEqual(injectionsTarget);
    } finally {
      await store.close();
    }
  }, 240_000);
});

/** Appends 1-2 withdrawals and forwards, until told to stop; a refusal is noted as "status code". */
function forward(a: sim.SimAgent, running: () => boolean, refusals: string[]): Promise<void> {
  return sim.runAgent(a, keys, running, {
    unitsMax: 5,
    pauseMs: { ok: 100, failed: 50 },
    failed: (outcome) => {
      const d = outcome.error.details as { status?: number; gatewayCode?: string };
      const said = `${d.status ?? 'none'} ${d.gatewayCode ?? 'none'}`;
      refusals.push(outcome.halted ? `halted ${outcome.error.code}` : said);
    },
  });
}

/** Backend terminations at random moments, with proxy cuts and COMMIT cuts among them. */
async function injectLoop(prng: Prng) {
  const tally = { terminations: 0, backends: 0, cuts: 0, commitCuts: 0 };
  while (tally.terminations < injectionsTarget) {
    await sim.sleep(prng.int(50, 400));
    const i = prng.int(0, replicasCount - 1);
    const what = prng.int(0, 9);
    if (what < 7) {
      tally.backends += await terminateBackends(i, prng);
      tally.terminations += 1;
    } else if (what < 8) {
      tally.cuts += proxies[i]!.cutAll() > 0 ? 1 : 0;
    } else {
      const mode = prng.chance(0.5) ? 'after-answer' : 'before-send';
      const cut = proxies[i]!.armCommitCut({ mode, when: isChainCommit });
      const done = await Promise.race([cut.then(() => true), sim.sleep(3000).then(() => false)]);
      if (done) tally.commitCuts += 1;
      else proxies[i]!.disarm();
    }
  }
  return tally;
}
