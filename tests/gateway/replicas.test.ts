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
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayKeys } from '../../gateway/config.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { genesisHash, type LedgerEntry } from '../../protocol/messages/index.ts';
import { createPrng, type Prng } from '../../simulators/common/prng.ts';
import { FakeCore } from '../agent/io/support/fake-core.ts';
import { pgForTests } from '../support/pg.ts';
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
let proxy: Front | undefined;

function spawnReplica(): Promise<Replica> {
  const started = startReplica(gw, ['--store', storeUrl]);
  void started.then((r) => everyReplica.push(r)).catch(() => undefined);
  return started;
}

/** Appends 1-2 withdrawals and forwards, until told to stop; a halt fails the test. */
function forward(a: sim.SimAgent, running: () => boolean, failures: string[]): Promise<void> {
  return sim.runAgent(a, keys, running, {
    unitsMax: 20,
    pauseMs: { ok: 300, failed: 150 },
    failed: (outcome) => {
      if (outcome.halted) failures.push(`${a.agent.agentId}: ${outcome.error.code}`);
    },
  });
}

/** Kills a random slot's process (SIGKILL) one at a time and puts a ready standby in its place. */
async function killLoop(prng: Prng): Promise<{ kills: number; emptyMs: number }> {
  let kills = 0;
  let emptyMs = 0;
  while (kills < killsTarget) {
    const standby = await standbys.shift()!;
    standbys.push(spawnReplica());
    await sim.sleep(prng.int(50, 400));
    const i = prng.int(0, slots.length - 1);
    const victim = slots[i]!;
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    kills += 1;
    if (prng.chance(0.3)) {
      // The slot stays empty a moment: connections to it are refused, as behind a load balancer.
      const empty = prng.int(100, 500);
      slots[i] = { ...victim, port: 1 };
      await sim.sleep(empty);
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
  keys = await initGateway(gw, storeUrl);
  // Each new connection goes to the next slot's current process (refused while a slot is empty).
  proxy = await startFront((n) => slots[n % slots.length]?.port ?? 1);
  const started = await Promise.all([1, 2, 3].map(() => spawnReplica()));
  slots.push(...started);
  for (let i = 0; i < standbysCount; i++) standbys.push(spawnReplica());
}, 120_000);

afterAll(async () => {
  await proxy?.close();
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
      const plan = { tag: 'R', agents: agentsCount, kpmsPerAgent, gatewayUrl: proxy!.url, batchEntriesMax: 50, seed };
      const agents = await sim.setUpAgents(store, keys, plan);
      let running = true;
      const failures: string[] = [];
      const forwarding = agents.map((a) => forward(a, () => running, failures));
      const started = Date.now();
      const { kills, emptyMs } = await killLoop(createPrng(seed));
      const killing = Date.now() - started;
      running = false;
      await Promise.all(forwarding);
      for (const a of agents) await sim.drain(a);
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
      await sim.expectReconcileAgrees(gw, storeUrl);
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
  const res = await sim.postSignedUpload(base, a, entries);
  await res.arrayBuffer();
  return res.status;
}
