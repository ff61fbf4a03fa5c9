/**
 * Three gateway replicas (`edc-gateway serve --store postgres://...`, real child processes) on one
 * PostgreSQL schema. Agents (the real forwarder over in-memory ledgers of real signed entries)
 * forward through a round-robin TCP proxy while, one at a time, a random replica is SIGKILLed
 * (seeded) and replaced by a fresh `serve` process in its slot, sometimes after a moment with
 * no process there. Afterwards: the gateway's chains equal the agents' ledgers exactly, no entry
 * is stored twice, `edc-gateway reconcile` agrees, and a cloned key's two branches sent at the
 * same moment to two replicas are one chain and one fork with evidence, the agent flagged.
 *
 * A replacement takes a few seconds to start on a loaded machine, so three wait ready beside the
 * three serving ones (standbys): the kill rate is what makes the test's wall time, not start-up.
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
import { genesisHash, type LedgerEntry } from '../../protocol/messages/index.ts';
import { createPrng, type Prng } from '../../simulators/common/prng.ts';
import { FakeCore } from '../agent/io/support/fake-core.ts';
import { pgForTests } from '../support/pg.ts';
import { panOf, row, signedHeaders, withdrawal, type TestAgent } from './helpers.ts';
import { cli, startReplica, stopReplica, withSchema, type Replica } from './replica-support.ts';

const db = await pgForTests('replicas');
const storeUrl = withSchema(db.url, db.schema);
const seed = Number(process.env.EDC_REPLICAS_SEED ?? 20261130);
const killsTarget = Number(process.env.EDC_REPLICAS_KILLS ?? 30);
const agentsCount = 4;
const kpmsPerAgent = 5;
const standbysCount = 3;

let dir: string;
let gw: string;
let keys: GatewayKeys;
const slots: Replica[] = [];
const standbys: Promise<Replica>[] = [];
const everyReplica: Replica[] = [];
let proxy: Server;
let proxyUrl: string;
const sockets = new Set<Socket>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spawnReplica(): Promise<Replica> {
  const started = startReplica(gw, ['--store', storeUrl]);
  void started.then((r) => everyReplica.push(r)).catch(() => undefined);
  return started;
}

/** Each new connection goes to the next slot's current process (refused while a slot is empty). */
function startProxy(): Promise<void> {
  let next = 0;
  proxy = createServer((client) => {
    const slot = slots[next++ % slots.length];
    const upstream = connect(slot?.port ?? 1, '127.0.0.1');
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
    proxy.listen(0, '127.0.0.1', () => {
      proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
      resolve();
    }),
  );
}

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
    const agentId = `AGT-R${i}`;
    const kpmIds = Array.from({ length: kpmsPerAgent }, (_, j) => `KPM-R${i}-${j}`);
    await store.applyDisbursements(
      kpmIds.map((kpmId) => row(kpmId, 900_000)),
      { fileSha256: randomBytes(32).toString('hex'), now: 1 },
    );
    const core = new FakeCore(agentId, keys.signingPublicKey);
    const agent: TestAgent = {
      agentId,
      seed: core.keys.seed,
      publicKey: core.keys.publicKey,
      seq: 0,
      head: genesisHash,
    };
    agent.record = await store.addAgent(
      { agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds },
      { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
    );
    const loop = createForwarder({
      core,
      agentId,
      seed: agent.seed,
      logger: silentLogger(),
      settings: { ...forwarderDefaults, gatewayUrl: proxyUrl, batchEntriesMax: 50, requestTimeoutMs: 20_000 },
    });
    out.push({ agent, core, loop, prng: createPrng(seed + i + 1), kpmIds });
  }
  return out;
}

/** Appends 1-2 withdrawals and forwards, until told to stop; a halt fails the test. */
async function runAgent(a: SimAgent, running: () => boolean, failures: string[]): Promise<void> {
  while (running()) {
    for (let n = a.prng.int(1, 2); n > 0; n--) {
      const kpmId = a.prng.pick(a.kpmIds);
      a.core.entries.push(withdrawal(a.agent, keys, { kpmId, amount: 10_000 * a.prng.int(1, 20), pan: panOf(kpmId) }));
    }
    const outcome = await a.loop.syncNow();
    if (!outcome.ok && outcome.halted) failures.push(`${a.agent.agentId}: ${outcome.error.code}`);
    await sleep(outcome.ok ? 300 : 150);
  }
}

/** Forwards until the gateway acknowledged the agent's whole ledger (all replicas up). */
async function drain(a: SimAgent): Promise<void> {
  for (let pass = 0; pass < 200; pass++) {
    if (a.core.ackHead().seq === a.core.head().seq) return;
    const outcome = await a.loop.syncNow();
    if (!outcome.ok) await sleep(100);
  }
  throw new Error(`${a.agent.agentId} did not drain: ack ${a.core.ackHead().seq}, head ${a.core.head().seq}`);
}

/** Kills a random slot's process (SIGKILL) one at a time and puts a ready standby in its place. */
async function killLoop(prng: Prng): Promise<{ kills: number; emptyMs: number }> {
  let kills = 0;
  let emptyMs = 0;
  while (kills < killsTarget) {
    const standby = await standbys.shift()!;
    standbys.push(spawnReplica());
    await sleep(prng.int(50, 400));
    const i = prng.int(0, slots.length - 1);
    const victim = slots[i]!;
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    kills += 1;
    if (prng.chance(0.3)) {
      // The slot stays empty a moment: connections to it are refused, as behind a load balancer.
      const empty = prng.int(100, 500);
      slots[i] = { ...victim, port: 1 };
      await sleep(empty);
      emptyMs += empty;
    }
    slots[i] = standby;
  }
  return { kills, emptyMs };
}

beforeAll(async () => {
  if (!db.available) return;
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-replicas-'));
  gw = join(dir, 'gw');
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const configPath = join(gw, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  const high = { rateRequestsMax: 1_000_000, rateAddressRequestsMax: 1_000_000, logLevel: 'silent' };
  await writeFile(configPath, JSON.stringify({ ...config, ...high }, null, 2));
  keys = (await loadGatewayDir(gw)).keys;
  expect((await cli('migrate', '--store', storeUrl)).code).toBe(0);
  await startProxy();
  const started = await Promise.all([1, 2, 3].map(() => spawnReplica()));
  slots.push(...started);
  for (let i = 0; i < standbysCount; i++) standbys.push(spawnReplica());
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => (proxy === undefined ? resolve(undefined) : proxy.close(resolve)));
  await Promise.allSettled(standbys);
  await Promise.all(everyReplica.map((r) => stopReplica(r)));
  await db.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function openStore(): Promise<PgStore> {
  return PgStore.open({ url: storeUrl, ...keys, tahapClosesAt: {} });
}

describe.skipIf(!db.available)('three replicas on one PostgreSQL schema', () => {
  it('under >= 30 SIGKILLs: chains equal the ledgers, nothing twice, reconcile agrees', async () => {
    const store = await openStore();
    try {
      const agents = await setUpAgents(store);
      let running = true;
      const failures: string[] = [];
      const forwarding = agents.map((a) => runAgent(a, () => running, failures));
      const started = Date.now();
      const { kills, emptyMs } = await killLoop(createPrng(seed));
      const killing = Date.now() - started;
      running = false;
      await Promise.all(forwarding);
      for (const a of agents) await drain(a);
      const draining = Date.now() - started - killing;
      expect(failures).toEqual([]);
      let total = 0;
      for (const a of agents) {
        const held = await store.entries(a.agent.agentId, 1, 100_000);
        expect(held.map((e) => e.hash)).toEqual(a.core.entries.map((e: LedgerEntry) => e.hash));
        expect((await store.getAgent(a.agent.agentId))?.flagged).toBe(false);
        total += a.core.entries.length;
      }
      const summary = await store.summary('2026-IV', {});
      const withdrawals = Object.values(summary.withdrawalsByCategory).reduce((n, w) => n + w.count, 0);
      expect(withdrawals).toBe(total);
      const recon = await cli('reconcile', '--dir', gw, '--store', storeUrl, '--tahap', '2026-IV');
      expect([recon.code, (JSON.parse(recon.out) as { agree: boolean }).agree]).toEqual([0, true]);
      console.info(
        `[replicas] seed ${seed}: ${kills} SIGKILLs (slots empty ${emptyMs} ms in all), ` +
          `${total} entries from ${agentsCount} agents, all stored once; ` +
          `kills took ${killing} ms, drain ${draining} ms`,
      );
      expect(kills).toBeGreaterThanOrEqual(30);
    } finally {
      await store.close();
    }
  }, 240_000);

  it('a cloned key: two branches sent at once to two replicas are one chain and one fork', async () => {
    const store = await openStore();
    try {
      const original = { agentId: 'AGT-CLONE', ...makeKeys(), seq: 0, head: genesisHash } as TestAgent;
      original.record = await store.addAgent(
        { agentId: 'AGT-CLONE', publicKey: original.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: [] },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      const clone: TestAgent = { ...original };
      const branch = (a: TestAgent, amount: number) =>
        [1, 2, 3].map(() => withdrawal(a, keys, { kpmId: 'KPM-R0-0', amount, pan: panOf('KPM-R0-0') }));
      const branches = [branch(original, 100_000), branch(clone, 200_000)];
      const statuses = await Promise.all(
        branches.map((entries, i) => postUpload(slots[i]!.url, i === 0 ? original : clone, entries)),
      );
      // Each branch again to the other replica: whichever won, the other is a fork there too.
      statuses.push(
        ...(await Promise.all(branches.map((entries, i) => postUpload(slots[1 - i]!.url, original, entries)))),
      );
      expect(statuses.filter((s) => s === 409).length).toBeGreaterThanOrEqual(2);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
      const chain = await store.entries('AGT-CLONE', 1, 10);
      expect(chain).toHaveLength(3);
      const won = branches.findIndex((b) => b[0]!.hash === chain[0]!.hash);
      expect(chain.map((e) => e.hash)).toEqual(branches[won]!.map((e) => e.hash));
      const evidence = await store.evidence('AGT-CLONE', 10);
      expect(evidence.map((e) => e.found.hash).sort()).toEqual(branches[1 - won]!.map((e) => e.hash).sort());
      expect(evidence.every((e) => e.kind === 'fork')).toBe(true);
      expect((await store.getAgent('AGT-CLONE'))?.flagged).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);
});

function makeKeys(): { seed: string; publicKey: string } {
  const core = new FakeCore('AGT-CLONE', '');
  return { seed: core.keys.seed, publicKey: core.keys.publicKey };
}

async function postUpload(base: string, a: TestAgent, entries: readonly LedgerEntry[]): Promise<number> {
  const path = `/v1/agents/${a.agentId}/uploads`;
  const body = JSON.stringify({ v: 1, agentId: a.agentId, entries });
  const res = await fetch(base + path, { method: 'POST', body, headers: signedHeaders(a, 'POST', path, body) });
  await res.arrayBuffer();
  return res.status;
}
