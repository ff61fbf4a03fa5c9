/**
 * Agent CPU per approval without the terminal emulators: the agent (core + TCP link) runs in
 * this process, the emulators in a child process, so process.cpuUsage() here is the agent's own.
 *   node --import tsx [--cpu-prof --cpu-prof-dir D] bench/agent-profile.ts [terminals] [requestsPerTerminal]
 * Prints one JSON line: terminals, approvals, seconds, rate, agent CPU us per approval, p50/p99 (ms,
 * measured by the emulators), synced batches. Used to write the profile summary in BENCHMARKS.md
 * (issue 13); bench/agent-auth.ts keeps the end-to-end figures.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSealKeyPair, generateSigningKeyPair, keyedHash, toBase64 } from '../protocol/crypto/index.ts';
import { signEntitlementSet } from '../protocol/messages/index.ts';
import { ulid } from '../protocol/ids.ts';
import { openAgentCore } from '../agent/core/index.ts';
import { silentLogger } from '../agent/logger.ts';
import { LinkRegistry } from '../agent/link/registry.ts';
import { TcpTerminalServer } from '../agent/link/tcp-server.ts';
import { makeKksCard, type KksCard } from '../simulators/terminal/index.ts';

const agentId = 'AGT-BENCH';
let batches = 0;
const terminals = Number(process.argv[2] ?? 64);
const perTerminal = Number(process.argv[3] ?? 40);

function random(): number {
  return randomBytes(4).readUInt32BE() / 2 ** 32;
}

async function openAgent(dir: string, cards: readonly KksCard[]) {
  const agent = generateSigningKeyPair();
  const gateway = generateSigningKeyPair();
  const lookupKey = toBase64(randomBytes(32));
  const core = await openAgentCore({
    dir,
    agentId,
    seed: agent.seed,
    gatewayPublicKey: gateway.publicKey,
    logger: silentLogger(),
    writeBatch: (ops, write) => {
      batches += 1;
      return write(ops);
    },
  });
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
  return core;
}

function runEmulators(port: number, cards: readonly KksCard[]): Promise<{ p50: number; p99: number }> {
  const child = fileURLToPath(new URL('./lib/terminal-load.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['pipe', 'pipe', 'inherit'] });
  proc.stdin.end(JSON.stringify({ port, terminals, perTerminal, cards }));
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`emulators exit ${code}`))));
  });
}

const cards = Array.from({ length: 256 }, () => makeKksCard(random, { pin: '123456' }));
const dir = await mkdtemp(join(tmpdir(), 'edc-bench-profile-'));
const core = await openAgent(dir, cards);
const server = new TcpTerminalServer(
  { host: '127.0.0.1', port: 0, terminalsMax: 128, idleTimeoutMs: 60_000, requestsQueuedMax: 8 },
  { handler: core, logger: silentLogger(), registry: new LinkRegistry(Date.now, 60_000) },
);
try {
  const { port } = await server.listen();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { p50, p99 } = await runEmulators(port, cards);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const approvals = terminals * perTerminal;
  const line = {
    terminals,
    approvals,
    seconds: Number(seconds.toFixed(2)),
    rate: Math.round(approvals / seconds),
    agentCpuUsPerApproval: Math.round((used.user + used.system) / approvals),
    p50,
    p99,
    batches,
  };
  console.log(JSON.stringify(line));
} finally {
  await server.close();
  await core.close();
  await rm(dir, { recursive: true, force: true });
}
