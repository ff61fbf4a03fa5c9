/**
 * Agent authorization over the terminal link: what a terminal sees end to end.
 *   npx tsx bench/agent-auth.ts [--quick]
 * With 1, 8 and 64 concurrent terminals over TCP loopback (simulators/terminal EDC emulators, one
 * connection each, requests back to back): latency p50/p99 of a 0200 withdrawal from the request
 * frame leaving the terminal to the 0210 frame arriving (decode, core.handle with its synced
 * LevelDB group commit, encode, both socket hops), authorizations/s, and the peak RSS of this
 * process (agent core + TCP link + the terminal emulators) under each load. Beside them, the raw
 * LevelDB synced put rate and latency of this disk, measured in the same run: the floor a
 * one-request-per-fsync design could not beat. Each figure is the median over repeats, each
 * repeat on a fresh ledger.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import { generateSealKeyPair, generateSigningKeyPair, keyedHash, toBase64 } from '../protocol/crypto/index.ts';
import { signEntitlementSet } from '../protocol/messages/index.ts';
import { ulid } from '../protocol/ids.ts';
import { openAgentCore } from '../agent/core/index.ts';
import { silentLogger } from '../agent/logger.ts';
import { LinkRegistry } from '../agent/link/registry.ts';
import { TcpTerminalServer } from '../agent/link/tcp-server.ts';
import { EdcTerminal, connectTcpTerminal, makeKksCard } from '../simulators/terminal/index.ts';
import type { KksCard } from '../simulators/terminal/index.ts';
import { against, finish, percentile, RssSampler, sized, summarize } from './harness.ts';
import type { Figure } from './harness.ts';

const repeats = 3;
/** Requests each terminal sends per repeat, by number of concurrent terminals. */
const requestsPerTerminal: Record<number, number> = { 1: sized(300, 50, 20), 8: sized(60, 10, 4), 64: sized(20, 4, 2) };
const rawPuts = sized(300, 100, 30);
const agentId = 'AGT-BENCH';
let stanSeed = 1;

function random(): number {
  return randomBytes(4).readUInt32BE() / 2 ** 32;
}

async function withAgent<T>(cards: KksCard[], run: (port: number) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-bench-auth-'));
  const agent = generateSigningKeyPair();
  const gateway = generateSigningKeyPair();
  const lookupKey = toBase64(randomBytes(32));
  const core = await openAgentCore({
    dir,
    agentId,
    seed: agent.seed,
    gatewayPublicKey: gateway.publicKey,
    logger: silentLogger(),
  });
  const server = new TcpTerminalServer(
    { host: '127.0.0.1', port: 0, terminalsMax: 128, idleTimeoutMs: 60_000, requestsQueuedMax: 8 },
    { handler: core, logger: silentLogger(), registry: new LinkRegistry(Date.now, 60_000) },
  );
  try {
    await core.installEntitlementSet(
      signEntitlementSet(
        {
          v: 1,
          setId: ulid(),
          agentId,
          tahap: '2026-IV',
          issuedAt: Date.now(),
          expiresAt: Date.now() + 86_400_000,
          basedOnSeq: 0,
          lookupKey,
          sealKey: generateSealKeyPair().publicKey,
          limits: { withdrawalAmountMax: 2_000_000, cashFloat: 900_000_000_000, queueEntriesMax: 1_000_000 },
          entitlements: cards.map((card, i) => ({
            kpmId: `KPM-${String(i).padStart(6, '0')}`,
            panHash: keyedHash(card.pan, lookupKey),
            remaining: 900_000_000,
          })),
        },
        gateway.seed,
      ),
    );
    const { port } = await server.listen();
    return await run(port);
  } finally {
    await server.close();
    await core.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function terminal(port: number, index: number): Promise<EdcTerminal> {
  const transport = await connectTcpTerminal('127.0.0.1', port);
  return new EdcTerminal({
    transport,
    terminalId: `BT${String(index).padStart(6, '0')}`,
    merchantId: 'AGT-BENCH      ',
    responseTimeoutMs: 30_000,
    stanStart: stanSeed++ * 1000,
  });
}

async function approve(t: EdcTerminal, card: KksCard): Promise<void> {
  const exchange = await t.withdraw(card, card.pin, 10_000);
  if (exchange.kind !== 'response' || exchange.response.fields[39] !== '00')
    throw new Error(`bench withdrawal not approved: ${exchange.kind}`);
}

interface LoadRun {
  /** Process CPU (agent, link and emulators, every thread) per authorization, microseconds. */
  cpuUs: number;
  p50: number;
  p99: number;
  rate: number;
  rssMiB: number;
}

async function loadRun(cards: KksCard[], terminalsCount: number): Promise<LoadRun> {
  return withAgent(cards, async (port) => {
    const terminals = await Promise.all(Array.from({ length: terminalsCount }, (_, i) => terminal(port, i)));
    const perTerminal = requestsPerTerminal[terminalsCount]!;
    const latencies: number[] = [];
    const rss = new RssSampler().start();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      terminals.map(async (t, i) => {
        for (let r = 0; r < perTerminal; r++) {
          const sent = performance.now();
          await approve(t, cards[(i * perTerminal + r) % cards.length]!);
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const rssMiB = rss.stopMiB();
    await Promise.all(terminals.map((t) => t.transport.close()));
    latencies.sort((a, b) => a - b);
    return {
      cpuUs: (used.user + used.system) / latencies.length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      rate: latencies.length / seconds,
      rssMiB,
    };
  });
}

async function rawSyncedPutRate(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-bench-raw-'));
  const db = new ClassicLevel<string, string>(dir);
  await db.open();
  const value = 'x'.repeat(900); // about the size of a withdrawal entry
  const start = performance.now();
  for (let i = 0; i < rawPuts; i++) await db.put(`k${i}`, value, { sync: true });
  const rate = rawPuts / ((performance.now() - start) / 1000);
  await db.close();
  await rm(dir, { recursive: true, force: true });
  return rate;
}

const cards = Array.from({ length: 256 }, () => makeKksCard(random, { pin: '123456' }));
const loads = [1, 8, 64];
const raw: number[] = [];
const runs = new Map<number, LoadRun[]>(loads.map((n) => [n, []]));
for (let r = 0; r < repeats; r++) {
  raw.push(await rawSyncedPutRate());
  for (const n of loads) runs.get(n)!.push(await loadRun(cards, n));
}
const rawFigure = summarize('LevelDB synced put (raw, sequential)', 'ops/s', raw);
const rawLatency = summarize(
  'LevelDB synced put latency (raw, sequential)',
  'ms',
  raw.map((rate) => 1000 / rate),
);
const figures: Figure[] = [rawFigure, rawLatency];
for (const n of loads) {
  const list = runs.get(n)!;
  const label = `${n} terminal${n === 1 ? '' : 's'}`;
  figures.push(
    against(
      summarize(
        `0200 latency p50, ${label}, TCP loopback`,
        'ms',
        list.map((x) => x.p50),
      ),
      rawLatency,
    ),
    against(
      summarize(
        `0200 latency p99, ${label}, TCP loopback`,
        'ms',
        list.map((x) => x.p99),
      ),
      rawLatency,
    ),
    against(
      summarize(
        `authorizations/s, ${label}`,
        'ops/s',
        list.map((x) => x.rate),
      ),
      rawFigure,
    ),
    summarize(
      `process CPU per authorization, ${label} (core + link + emulators, all threads)`,
      'us',
      list.map((x) => x.cpuUs),
    ),
    summarize(
      `agent process peak RSS, ${label} (core + link + emulators)`,
      'MiB',
      list.map((x) => x.rssMiB),
    ),
  );
}
const perTerminal = loads.map((n) => `${n}:${requestsPerTerminal[n]}`).join(', ');
finish(
  'agent-auth',
  `Agent authorization over TCP loopback (${repeats} repeats; requests per terminal ${perTerminal})`,
  figures,
);
