/**
 * Agent authorization over the terminal link: what a terminal sees end to end.
 *   npx tsx bench/agent-auth.ts [--quick]     (table, then JSON in bench/results/agent-auth.json)
 * - latency p50/p99 of a 0200 withdrawal over TCP loopback with one terminal, from the request
 *   frame leaving the terminal to the response frame arriving (decode, core.handle with its
 *   synced LevelDB batch, encode, both socket hops);
 * - sustained authorizations/s with 64 concurrent terminals (group commit shares each fsync);
 * - beside them, the raw LevelDB synced put rate measured in the same run: the floor a
 *   one-request-per-fsync design could not beat.
 * Each figure is the median of >= 3 repeats with min and max; each repeat uses a fresh ledger.
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
import { against, printTable, quick, summarize, writeResults } from './harness.ts';
import type { Figure } from './harness.ts';

const repeats = 3;
const latencyRequests = quick() ? 100 : 400;
const terminalsConcurrent = 64;
const requestsPerTerminal = quick() ? 10 : 40;
const rawPuts = quick() ? 100 : 300;
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
  const core = await openAgentCore({ dir, agentId, seed: agent.seed, gatewayPublicKey: gateway.publicKey, logger: silentLogger() });
  const server = new TcpTerminalServer({ host: '127.0.0.1', port: 0, terminalsMax: 128, idleTimeoutMs: 60_000, requestsQueuedMax: 8 }, { handler: core, logger: silentLogger(), registry: new LinkRegistry(Date.now, 60_000) });
  try {
    await core.installEntitlementSet(
      signEntitlementSet(
        {
          v: 1, setId: ulid(), agentId, tahap: '2026-IV', issuedAt: Date.now(), expiresAt: Date.now() + 86_400_000, basedOnSeq: 0, lookupKey,
          sealKey: generateSealKeyPair().publicKey, limits: { withdrawalAmountMax: 2_000_000, cashFloat: 900_000_000_000, queueEntriesMax: 1_000_000 },
          entitlements: cards.map((card, i) => ({ kpmId: `KPM-${String(i).padStart(6, '0')}`, panHash: keyedHash(card.pan, lookupKey), remaining: 900_000_000 })),
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
  return new EdcTerminal({ transport, terminalId: `BT${String(index).padStart(6, '0')}`, merchantId: 'AGT-BENCH      ', responseTimeoutMs: 30_000, stanStart: stanSeed++ * 1000 });
}

async function approve(t: EdcTerminal, card: KksCard): Promise<void> {
  const exchange = await t.withdraw(card, card.pin, 10_000);
  if (exchange.kind !== 'response' || exchange.response.fields[39] !== '00') throw new Error(`bench withdrawal not approved: ${exchange.kind}`);
}

async function latencyRun(cards: KksCard[]): Promise<{ p50: number; p99: number }> {
  return withAgent(cards, async (port) => {
    const t = await terminal(port, 0);
    const samples: number[] = [];
    for (let i = 0; i < latencyRequests; i++) {
      const start = performance.now();
      await approve(t, cards[i % cards.length]!);
      samples.push(performance.now() - start);
    }
    await t.transport.close();
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(samples.length * 0.5)]!, p99: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]! };
  });
}

async function throughputRun(cards: KksCard[]): Promise<number> {
  return withAgent(cards, async (port) => {
    const terminals = await Promise.all(Array.from({ length: terminalsConcurrent }, (_, i) => terminal(port, i)));
    const start = performance.now();
    await Promise.all(terminals.map(async (t, i) => {
      for (let r = 0; r < requestsPerTerminal; r++) await approve(t, cards[(i * requestsPerTerminal + r) % cards.length]!);
    }));
    const seconds = (performance.now() - start) / 1000;
    await Promise.all(terminals.map((t) => t.transport.close()));
    return (terminalsConcurrent * requestsPerTerminal) / seconds;
  });
}

async function rawSyncedPutRate(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-bench-raw-'));
  const db = new ClassicLevel<string, string>(dir);
  await db.open();
  const value = 'x'.repeat(900);
  const start = performance.now();
  for (let i = 0; i < rawPuts; i++) await db.put(`k${i}`, value, { sync: true });
  const rate = rawPuts / ((performance.now() - start) / 1000);
  await db.close();
  await rm(dir, { recursive: true, force: true });
  return rate;
}

const cards = Array.from({ length: 256 }, () => makeKksCard(random, { pin: '123456' }));
const raw: number[] = [];
const p50: number[] = [];
const p99: number[] = [];
const rates: number[] = [];
for (let r = 0; r < repeats; r++) {
  raw.push(await rawSyncedPutRate());
  const latency = await latencyRun(cards);
  p50.push(latency.p50);
  p99.push(latency.p99);
  rates.push(await throughputRun(cards));
}
const rawFigure = summarize('LevelDB synced put (raw, sequential)', 'ops/s', raw);
const figures: Figure[] = [
  rawFigure,
  summarize('0200 latency p50, 1 terminal, TCP loopback', 'ms', p50),
  summarize('0200 latency p99, 1 terminal, TCP loopback', 'ms', p99),
  against(summarize(`authorizations/s, ${terminalsConcurrent} terminals`, 'ops/s', rates), rawFigure),
];
printTable(`Agent authorization over TCP (${repeats} repeats, ${latencyRequests} sequential / ${terminalsConcurrent}x${requestsPerTerminal} concurrent)`, figures);
console.log(`results: ${writeResults('agent-auth', figures)}`);
console.log(JSON.stringify({ name: 'agent-auth', figures }));
