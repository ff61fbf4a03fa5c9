/**
 * Simulated agents for the replica tests on PostgreSQL (replicas.test.ts, pg-faults.test.ts): each
 * the real forwarder over an in-memory ledger of real signed entries, enrolled in the store with
 * its KPMs, appending withdrawals and forwarding them to a gateway URL.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { createForwarder, forwarderDefaults, type ForwardLoop, type PassOutcome } from '../../agent/forward/index.ts';
import { silentLogger } from '../../agent/logger.ts';
import type { GatewayKeys } from '../../gateway/config.ts';
import type { PgStore } from '../../gateway/store/pg/store.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { genesisHash, type LedgerEntry } from '../../protocol/messages/index.ts';
import { createPrng, type Prng } from '../../simulators/common/prng.ts';
import { FakeCore } from '../agent/io/support/fake-core.ts';
import { panOf, row, signedHeaders, withdrawal, type TestAgent } from './helpers.ts';
import { cli } from './replica-support.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SimAgent {
  readonly agent: TestAgent;
  readonly core: FakeCore;
  readonly loop: ForwardLoop;
  readonly prng: Prng;
  readonly kpmIds: string[];
}

/** Enrols `agentId` with its KPMs (each credited 900,000 rupiah); its ledger is a FakeCore. */
export async function enrolAgent(
  store: PgStore,
  keys: GatewayKeys,
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

export interface AgentsPlan {
  /** Agent i is AGT-<tag><i>, its KPMs KPM-<tag><i>-<j>. */
  readonly tag: string;
  readonly agents: number;
  readonly kpmsPerAgent: number;
  readonly gatewayUrl: string;
  readonly batchEntriesMax: number;
  /** Agent i draws from createPrng(seed + i + 1). */
  readonly seed: number;
}

/** Enrols the plan's agents, each with a forwarder to the plan's gateway URL. */
export async function setUpAgents(store: PgStore, keys: GatewayKeys, plan: AgentsPlan): Promise<SimAgent[]> {
  const out: SimAgent[] = [];
  for (let i = 0; i < plan.agents; i++) {
    const agentId = `AGT-${plan.tag}${i}`;
    const kpmIds = Array.from({ length: plan.kpmsPerAgent }, (_, j) => `KPM-${plan.tag}${i}-${j}`);
    const { agent, core } = await enrolAgent(store, keys, agentId, kpmIds);
    const loop = createForwarder({
      core,
      agentId,
      seed: agent.seed,
      logger: silentLogger(),
      settings: {
        ...forwarderDefaults,
        gatewayUrl: plan.gatewayUrl,
        batchEntriesMax: plan.batchEntriesMax,
        requestTimeoutMs: 20_000,
      },
    });
    out.push({ agent, core, loop, prng: createPrng(plan.seed + i + 1), kpmIds });
  }
  return out;
}

export interface RunPlan {
  /** A withdrawal is 10,000 rupiah times 1 to this. */
  readonly unitsMax: number;
  /** The pause after a pass, in ms: after one that succeeded, after one that failed. */
  readonly pauseMs: { readonly ok: number; readonly failed: number };
  readonly failed: (outcome: Extract<PassOutcome, { ok: false }>, a: SimAgent) => void;
}

/** Appends 1-2 withdrawals and forwards, until told to stop; a failed pass goes to plan.failed. */
export async function runAgent(a: SimAgent, keys: GatewayKeys, running: () => boolean, plan: RunPlan): Promise<void> {
  while (running()) {
    for (let n = a.prng.int(1, 2); n > 0; n--) {
      const kpmId = a.prng.pick(a.kpmIds);
      const amount = 10_000 * a.prng.int(1, plan.unitsMax);
      a.core.entries.push(withdrawal(a.agent, keys, { kpmId, amount, pan: panOf(kpmId) }));
    }
    const outcome = await a.loop.syncNow();
    if (!outcome.ok) plan.failed(outcome, a);
    await sleep(outcome.ok ? plan.pauseMs.ok : plan.pauseMs.failed);
  }
}

/** Forwards until the gateway acknowledged the agent's whole ledger. */
export async function drain(a: SimAgent): Promise<void> {
  for (let pass = 0; pass < 200; pass++) {
    if (a.core.ackHead().seq === a.core.head().seq) return;
    const outcome = await a.loop.syncNow();
    if (!outcome.ok) await sleep(100);
  }
  throw new Error(`${a.agent.agentId} did not drain: ack ${a.core.ackHead().seq}, head ${a.core.head().seq}`);
}

/** POST /v1/agents/<id>/uploads with the entries, signed as the agent. */
export function postSignedUpload(base: string, a: TestAgent, entries: readonly LedgerEntry[]): Promise<Response> {
  const path = `/v1/agents/${a.agentId}/uploads`;
  const body = JSON.stringify({ v: 1, agentId: a.agentId, entries });
  return fetch(base + path, { method: 'POST', body, headers: signedHeaders(a, 'POST', path, body) });
}

/** `edc-gateway reconcile` for 2026-IV exits 0 and agrees (counters equal the recompute). */
export async function expectReconcileAgrees(gw: string, storeUrl: string): Promise<void> {
  const recon = await cli('reconcile', '--dir', gw, '--store', storeUrl, '--tahap', '2026-IV');
  expect([recon.code, (JSON.parse(recon.out) as { agree: boolean }).agree]).toEqual([0, true]);
}
