/**
 * Agent ledger throughput: what one synced LevelDB write costs on this disk, and how many
 * approvals per second core.handle() reaches with 1, 8 and 64 concurrent callers, where group
 * commit shares one fsync among all requests waiting at that moment.
 *   npx tsx bench/agent-ledger.ts [--quick]
 * Each figure is the median of `repeats` runs, with min and max; every run uses a fresh ledger.
 * A run whose answers stop for BENCH_STALL_S seconds (default 60) dumps the core's committer
 * state (queued requests, the round under way and which of its writes are pending) and exits 3.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { generateSealKeyPair, generateSigningKeyPair, keyedHash, toBase64 } from '../protocol/crypto/index.ts';
import { luhnCheckDigit } from '../protocol/iso8583/index.ts';
import { signEntitlementSet } from '../protocol/messages/index.ts';
import { ulid } from '../protocol/ids.ts';
import { openAgentCore } from '../agent/core/index.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';
import { withdrawalRequest } from './lib/agent-fill.ts';
import { watchProgress } from './lib/watchdog.ts';

const repeats = 3;
const rawPuts = sized(300, 100, 30);
const requestsPerRun: Record<number, number> = {
  1: sized(300, 100, 20),
  8: sized(800, 200, 40),
  64: sized(2560, 640, 128),
};
const agentId = 'AGT-BENCH';
const agent = generateSigningKeyPair();
const gateway = generateSigningKeyPair();
const seal = generateSealKeyPair();
const lookupKey = toBase64(randomBytes(32));
const pans = Array.from({ length: 3000 }, (_, i) => {
  const partial = `601301${String(i).padStart(9, '0')}`;
  return partial + luhnCheckDigit(partial);
});

async function rawSyncedPutsPerSecond(dir: string): Promise<number> {
  const db = new ClassicLevel<string, string>(join(dir, 'raw'), { valueEncoding: 'utf8' });
  await db.open();
  const value = 'x'.repeat(900); // about the size of a withdrawal entry
  let done = 0;
  const watchdog = watchProgress(
    'raw synced puts',
    () => done,
    () => ({ done, rawPuts }),
  );
  const started = performance.now();
  for (; done < rawPuts; done++) await db.put(String(done).padStart(16, '0'), value, { sync: true });
  const seconds = (performance.now() - started) / 1000;
  watchdog.stop();
  await db.close();
  return rawPuts / seconds;
}

async function approvalsPerSecond(
  dir: string,
  concurrency: number,
): Promise<{ rate: number; batches: number; cpuUs: number }> {
  let batches = 0;
  const core = await openAgentCore({
    dir: join(dir, `core-${concurrency}`),
    agentId,
    seed: agent.seed,
    gatewayPublicKey: gateway.publicKey,
    writeBatch: (ops, write) => {
      batches += 1;
      return write(ops);
    },
  });
  const total = requestsPerRun[concurrency]!;
  let next = 0;
  let answered = 0;
  const watchdog = watchProgress(
    `entitlement install, then core.handle(), ${concurrency} caller(s)`,
    () => answered,
    () => ({ answered, total, core: core.diagnostics() }),
  );
  const now = Date.now();
  await core.installEntitlementSet(
    signEntitlementSet(
      {
        v: 1,
        setId: ulid(),
        agentId,
        tahap: '2026-IV',
        issuedAt: now,
        expiresAt: now + 86_400_000,
        basedOnSeq: 0,
        lookupKey,
        sealKey: seal.publicKey,
        limits: { withdrawalAmountMax: 1_000_000, cashFloat: 1_000_000_000, queueEntriesMax: 1_000_000 },
        entitlements: pans.map((pan, i) => ({
          kpmId: `KPM-${String(i).padStart(6, '0')}`,
          panHash: keyedHash(pan, lookupKey),
          remaining: 10_000_000,
        })),
      },
      gateway.seed,
    ),
  );
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const response = await core.handle(withdrawalRequest(i, 1000, pans[i % pans.length]));
      answered += 1;
      if (response.fields[39] !== '00') throw new Error(`bench expected approvals, got ${response.fields[39]}`);
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  await core.close();
  watchdog.stop();
  // CPU of this process (main thread and LevelDB's threads) per approval: unlike the rate, it
  // hardly moves with the machine's load, so it shows what a change saved.
  return { rate: total / seconds, batches, cpuUs: (used.user + used.system) / total };
}

async function main(): Promise<void> {
  const raw: number[] = [];
  const approvals: Record<number, number[]> = { 1: [], 8: [], 64: [] };
  const batchCounts: Record<number, number[]> = { 1: [], 8: [], 64: [] };
  const cpuPerApproval: Record<number, number[]> = { 1: [], 8: [], 64: [] };
  for (let r = 0; r < repeats; r++) {
    const dir = await mkdtemp(join(tmpdir(), 'edc-bench-'));
    try {
      raw.push(await rawSyncedPutsPerSecond(dir));
      for (const c of [1, 8, 64]) {
        const { rate, batches, cpuUs } = await approvalsPerSecond(dir, c);
        approvals[c]!.push(rate);
        cpuPerApproval[c]!.push(cpuUs);
        batchCounts[c]!.push(batches - 1); // minus the entitlement install
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const rawFigure = summarize('LevelDB synced put (raw, sequential)', 'ops/s', raw);
  const figures: Figure[] = [rawFigure];
  for (const c of [1, 8, 64]) {
    figures.push(
      against(summarize(`core.handle() approvals/s, ${c} caller(s), no network`, 'ops/s', approvals[c]!), rawFigure),
      summarize(`synced batches per ${requestsPerRun[c]} approvals, ${c} caller(s)`, 'batches', batchCounts[c]!),
      summarize(`process CPU per approval, ${c} caller(s)`, 'us', cpuPerApproval[c]!),
    );
  }
  finish(
    'agent-ledger',
    `Agent ledger: core.handle() approvals vs raw synced puts (${repeats} repeats, fresh ledger each)`,
    figures,
  );
}

await main();
