/**
 * Drain: the time for one agent with a backlog of queued entries (10,000 in a full run) to be
 * fully acknowledged by a real gateway on loopback: the real agent core (LevelDB ledger) and
 * its real forwarder (agent/forward: signed uploads of 500 entries, its default batchEntriesMax;
 * receipts verified, cursor moved in synced writes), against a real gateway in its own process
 * (verifying on one worker thread per core, as `edc-gateway serve` does).
 *   npx tsx bench/drain.ts [--quick]
 * The backlog is made once through core.handle() (the 0200 path) and copied for each repeat, so
 * every repeat drains the same ledger into a fresh gateway. Beside it, measured in this run: the
 * time node:crypto takes to verify as many Ed25519 signatures on one core (the gateway must
 * verify each entry once; the agent verifies one receipt per upload).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSigningKeyPair, sign, signingBytes, verify } from '../protocol/crypto/index.ts';
import { domains } from '../protocol/messages/index.ts';
import { openAgentCore } from '../agent/core/index.ts';
import { createForwarder, forwarderDefaults } from '../agent/forward/index.ts';
import { silentLogger } from '../agent/logger.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import type { GatewayKeys } from '../gateway/config.ts';
import { against, finish, RssSampler, sized, summarize } from './harness.ts';
import { benchAgentId, benchKpmId, benchTahap } from './lib/chains.ts';
import { fillKpms, fillLedger, fillPan, installBenchSet, randomLookupKey } from './lib/agent-fill.ts';
import { startGateway } from './lib/gateway-proc.ts';

const queued = sized(10_000, 1_000, 200);
const repeats = sized(3, 1);
const agentId = benchAgentId(0);
const drainTimeoutMs = 600_000;

interface Prepared {
  dir: string;
  seed: string;
  publicKey: string;
  lookupKey: string;
  keys: GatewayKeys;
}

async function prepare(): Promise<Prepared> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-bench-drain-'));
  const agent = generateSigningKeyPair();
  const keys = generateGatewayKeys();
  const lookupKey = randomLookupKey();
  const core = await openAgentCore({
    dir: join(dir, 'ledger'),
    agentId,
    seed: agent.seed,
    gatewayPublicKey: keys.signingPublicKey,
    logger: silentLogger(),
  });
  await installBenchSet(core, agentId, keys.signingSeed, lookupKey, keys.sealPublicKey);
  await fillLedger(core, queued);
  await core.close();
  return { dir, seed: agent.seed, publicKey: agent.publicKey, lookupKey, keys };
}

function rows(): unknown[] {
  return Array.from({ length: fillKpms }, (_, i) => ({
    line: i + 2,
    tahap: benchTahap,
    bank: 'BRI',
    kpmId: benchKpmId(0, i),
    nik: '3273010101900001',
    pan: fillPan(i),
    name: 'SITI AMINAH',
    regionCode: '3273010001',
    amount: 100_000_000,
    status: 'credited',
    reference: `BRI2026IV-${String(i).padStart(10, '0')}`,
  }));
}

async function drainOnce(
  p: Prepared,
  repeat: number,
): Promise<{ seconds: number; gatewayRss: number; agentRss: number; gatewayCpuMs: number; agentCpuMs: number }> {
  const dir = join(p.dir, `ledger-${repeat}`);
  await cp(join(p.dir, 'ledger'), dir, { recursive: true });
  const gateway = await startGateway({
    keys: p.keys,
    config: { rateRequestsMax: 1_000_000 },
    rows: rows(),
    agents: [
      {
        agentId,
        publicKey: p.publicKey,
        lookupKey: p.lookupKey,
        kpmIds: Array.from({ length: fillKpms }, (_, i) => benchKpmId(0, i)),
      },
    ],
  });
  const core = await openAgentCore({
    dir,
    agentId,
    seed: p.seed,
    gatewayPublicKey: p.keys.signingPublicKey,
    logger: silentLogger(),
  });
  const forwarder = createForwarder({
    core,
    agentId,
    seed: p.seed,
    logger: silentLogger(),
    settings: { ...forwarderDefaults, gatewayUrl: gateway.url, intervalMs: 3_600_000 },
  });
  const rss = new RssSampler().start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  forwarder.start();
  while (core.ackHead().seq < queued) {
    if (performance.now() - start > drainTimeoutMs)
      throw new Error(`bench drain: acknowledged ${core.ackHead().seq} of ${queued} after ${drainTimeoutMs} ms`);
    const snap = forwarder.snapshot();
    if (snap.state === 'halted') throw new Error(`bench drain: forwarding halted: ${snap.lastError?.message ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const seconds = (performance.now() - start) / 1000;
  const agentCpu = process.cpuUsage(cpu);
  const agentRss = rss.stopMiB();
  await forwarder.stop();
  await core.close();
  const done = await gateway.stop();
  if (done.storedEntries !== queued)
    throw new Error(`bench drain: gateway stored ${done.storedEntries}, expected ${queued}`);
  await rm(dir, { recursive: true, force: true });
  const agentCpuMs = (agentCpu.user + agentCpu.system) / 1000 / queued;
  return {
    seconds,
    gatewayRss: done.peakRssMiB,
    agentRss,
    gatewayCpuMs: (done.cpuSeconds * 1000) / queued,
    agentCpuMs,
  };
}

function verifySeconds(): number {
  const pair = generateSigningKeyPair();
  const message = signingBytes(domains.entry, { pad: 'x'.repeat(600) });
  const signature = sign(message, pair.seed);
  const start = performance.now();
  for (let i = 0; i < queued; i++) if (!verify(message, signature, pair.publicKey)) throw new Error('verify failed');
  return (performance.now() - start) / 1000;
}

const prepared = await prepare();
const drains: number[] = [];
const gatewayRss: number[] = [];
const agentRss: number[] = [];
const gatewayCpu: number[] = [];
const agentCpu: number[] = [];
const verifies: number[] = [];
try {
  for (let r = 0; r < repeats; r++) {
    verifies.push(verifySeconds());
    const run = await drainOnce(prepared, r);
    drains.push(run.seconds);
    gatewayRss.push(run.gatewayRss);
    agentRss.push(run.agentRss);
    gatewayCpu.push(run.gatewayCpuMs);
    agentCpu.push(run.agentCpuMs);
  }
} finally {
  await rm(prepared.dir, { recursive: true, force: true });
}
const baseline = summarize(
  `${queued.toLocaleString('en-US')} Ed25519 verifies, node:crypto (raw, 1 core)`,
  's',
  verifies,
);
finish(
  'drain',
  `Drain: one agent, ${queued.toLocaleString('en-US')} queued entries, real forwarder to a real gateway on loopback`,
  [
    baseline,
    against(
      summarize(`drain ${queued.toLocaleString('en-US')} queued entries to fully acknowledged`, 's', drains),
      baseline,
    ),
    summarize('gateway peak RSS during drain', 'MiB', gatewayRss),
    summarize('agent process peak RSS during drain (core + forwarder)', 'MiB', agentRss),
    // CPU time per entry (all threads): what the drain costs whatever else runs on the machine.
    summarize('gateway CPU per drained entry (main + verify workers)', 'ms', gatewayCpu),
    summarize('agent process CPU per drained entry (core + forwarder)', 'ms', agentCpu),
  ],
);
