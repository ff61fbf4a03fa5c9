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
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForwarder, forwarderDefaults, type ForwardLoop } from '../../agent/forward/index.ts';
import { silentLogger } from '../../agent/logger.ts';
import { loadGatewayDir, type GatewayKeys } from '../../gateway/config.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { genesisHash, type LedgerEntry, type WithdrawalEntry } from '../../protocol/messages/index.ts';
import { createPrng, type Prng } from '../../simulators/common/prng.ts';
import { FakeCore } from '../agent/io/support/fake-core.ts';
import { pgForTests, withPgClient } from '../support/pg.ts';
import { PgFaultProxy } from '../support/pg-proxy.ts';
import { panOf, row, signedHeaders, withdrawal, type TestAgent } from './helpers.ts';
import { cli, startReplica, stopReplica, withSchema, type Replica } from './replica-support.ts';

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
let front: Server;
let frontUrl: string;
const sockets = new Set<Socket>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isChainCommit = (statements: readonly string[]) => statements.some((s) => s.startsWith('INSERT INTO chain ('));

/** The store URL of replica i: through its proxy, with its own application_name. */
function replicaStoreUrl(i: number): string {
  const u = new URL(storeUrl);
  u.host = `127.0.0.1:${proxies[i]!.port}`;
  u.searchParams.set('application_name', appNames[i]!);
  return u.toString();
}

/** Each new HTTP connection goes to the next replica (as a load balancer would). */
function startFront(): Promise<void> {
  let next = 0;
  front = createServer((client) => {
    const upstream = connect(replicas[next++ % replicas.length]!.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    front.listen(0, '127.0.0.1', () => {
      frontUrl = `http://127.0.0.1:${(front.address() as { port: number }).port}`;
      resolve();
    }),
  );
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
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const configPath = join(gw, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  const high = { rateRequestsMax: 1_000_000, rateAddressRequestsMax: 1_000_000, logLevel: 'silent' };
  await writeFile(configPath, JSON.stringify({ ...config, ...high }, null, 2));
  keys = (await loadGatewayDir(gw)).keys;
  expect((await cli('migrate', '--store', storeUrl)).code).toBe(0);
  const target = new URL(db.url);
  for (let i = 0; i < replicasCount; i++) {
    proxies.push(await PgFaultProxy.start({ host: target.hostname, port: Number(target.port || 5432) }));
    appNames.push(`edc-${db.schema}-r${i}`.slice(0, 63));
  }
  replicas.push(...(await Promise.all(proxies.map((_, i) => startReplica(gw, ['--store', replicaStoreUrl(i)])))));
  await startFront();
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => (front === undefined ? resolve(undefined) : front.close(resolve)));
  await Promise.all(replicas.map((r) => stopReplica(r)));
  await Promise.all(proxies.map((p) => p.close()));
  await db.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function openStore(): Promise<PgStore> {
  return PgStore.open({ url: storeUrl, ...keys, tahapClosesAt: {} });
}

async function enrolAgent(
  store: PgStore,
  agentId: string,
  kpmIds: string[],
): Promise<{ agent: TestAgent; core: FakeCore }> {
  if (kpmIds.length > 0)
    await store.applyDisbursements(
      kpmIds.map((kpmId) => row(kpmId, 900_000)),
      { fileSha256: randomBytes(32).toString('hex'), now: 1 },
    );
  const core = new FakeCore(agentId, keys.signingPublicKey);
  const agent: TestAgent = { agentId, seed: core.keys.seed, publicKey: core.keys.publicKey, seq: 0, head: genesisHash };
  agent.record = await store.addAgent(
    { agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds },
    { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
  );
  return { agent, core };
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { code?: string; details?: { ambiguous?: boolean }; accepted?: number; duplicates?: number };
}

async function postUpload(base: string, a: TestAgent, entries: readonly LedgerEntry[]): Promise<Answer> {
  const path = `/v1/agents/${a.agentId}/uploads`;
  const body = JSON.stringify({ v: 1, agentId: a.agentId, entries });
  const res = await fetch(base + path, { method: 'POST', body, headers: signedHeaders(a, 'POST', path, body) });
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

async function expectReconcileAgrees(): Promise<void> {
  const recon = await cli('reconcile', '--dir', gw, '--store', storeUrl, '--tahap', '2026-IV');
  expect([recon.code, (JSON.parse(recon.out) as { agree: boolean }).agree]).toEqual([0, true]);
}

describe.skipIf(!db.available)('PostgreSQL connection faults under two replicas', () => {
  it('a COMMIT cut after the server committed: 503 ambiguous, the retry is recognised and stored once', async () => {
    const store = await openStore();
    try {
      const { agent: a } = await enrolAgent(store, 'AGT-AMB', ['KPM-AMB-0']);
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
      await expectReconcileAgrees();
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the server refusing connections for 3 s: coded 503s, then the same processes serve again', async () => {
    const store = await openStore();
    try {
      const { agent: a } = await enrolAgent(store, 'AGT-DOWN', ['KPM-DOWN-0']);
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
        await sleep(200);
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
      const agents = await setUpAgents(store);
      let running = true;
      const refusals: string[] = [];
      const forwarding = agents.map((a) => runAgent(a, () => running, refusals));
      const tally = await injectLoop(createPrng(seed));
      running = false;
      await Promise.all(forwarding);
      for (const a of agents) await drain(a);
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
      await expectReconcileAgrees();
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

interface SimAgent {
  readonly agent: TestAgent;
  readonly core: FakeCore;
  readonly loop: ForwardLoop;
  readonly prng: Prng;
  readonly kpmIds: string[];
}

async function setUpAgents(store: PgStore): Promise<SimAgent[]> {
  const out: SimAgent[] = [];
  for (let i = 0; i < agentsCount; i++) {
    const agentId = `AGT-F${i}`;
    const kpmIds = Array.from({ length: kpmsPerAgent }, (_, j) => `KPM-F${i}-${j}`);
    const { agent, core } = await enrolAgent(store, agentId, kpmIds);
    const loop = createForwarder({
      core,
      agentId,
      seed: agent.seed,
      logger: silentLogger(),
      settings: { ...forwarderDefaults, gatewayUrl: frontUrl, batchEntriesMax: 20, requestTimeoutMs: 20_000 },
    });
    out.push({ agent, core, loop, prng: createPrng(seed + i + 1), kpmIds });
  }
  return out;
}

/** Appends 1-2 withdrawals and forwards, until told to stop; a refusal is noted as "status code". */
async function runAgent(a: SimAgent, running: () => boolean, refusals: string[]): Promise<void> {
  while (running()) {
    for (let n = a.prng.int(1, 2); n > 0; n--) {
      const kpmId = a.prng.pick(a.kpmIds);
      a.core.entries.push(withdrawal(a.agent, keys, { kpmId, amount: 10_000 * a.prng.int(1, 5), pan: panOf(kpmId) }));
    }
    const outcome = await a.loop.syncNow();
    if (!outcome.ok) {
      const d = outcome.error.details as { status?: number; gatewayCode?: string };
      const said = `${d.status ?? 'none'} ${d.gatewayCode ?? 'none'}`;
      refusals.push(outcome.halted ? `halted ${outcome.error.code}` : said);
    }
    await sleep(outcome.ok ? 100 : 50);
  }
}

/** Forwards until the gateway acknowledged the agent's whole ledger. */
async function drain(a: SimAgent): Promise<void> {
  for (let pass = 0; pass < 200; pass++) {
    if (a.core.ackHead().seq === a.core.head().seq) return;
    const outcome = await a.loop.syncNow();
    if (!outcome.ok) await sleep(100);
  }
  throw new Error(`${a.agent.agentId} did not drain: ack ${a.core.ackHead().seq}, head ${a.core.head().seq}`);
}

/** Backend terminations at random moments, with proxy cuts and COMMIT cuts among them. */
async function injectLoop(prng: Prng) {
  const tally = { terminations: 0, backends: 0, cuts: 0, commitCuts: 0 };
  while (tally.terminations < injectionsTarget) {
    await sleep(prng.int(50, 400));
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
      const done = await Promise.race([cut.then(() => true), sleep(3000).then(() => false)]);
      if (done) tally.commitCuts += 1;
      else proxies[i]!.disarm();
    }
  }
  return tally;
}
