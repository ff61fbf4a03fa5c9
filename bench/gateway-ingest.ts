/**
 * Gateway ingest over HTTP: entries/s verified and durably stored (one synced LevelDB batch per
 * upload, with its reconciliation updates) by a real 127.0.0.1 listener, with 1, 16 and 256
 * agents uploading concurrently; beside it, the raw node:crypto Ed25519 verify rate of the same
 * run (one verify per entry is the floor of the gateway's CPU work).
 *   npx tsx bench/gateway-ingest.ts [--quick]    (table, then JSON in bench/results/gateway-ingest.json)
 * Clients (request signing) run in the same process and share its CPU: the figures are a lower
 * bound for a gateway with its own cores. Each figure is the median of 3 runs on fresh stores.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSigningKeyPair, keyedHash, sign, signingBytes, toBase64, verify } from '../protocol/crypto/index.ts';
import { genesisHash, signEntry, signRequest, domains, type LedgerEntry } from '../protocol/messages/index.ts';
import { ulid } from '../protocol/ids.ts';
import { buildGateway } from '../gateway/app.ts';
import { GatewayConfig } from '../gateway/config.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { Sealer } from '../gateway/crypto/fast-seal.ts';
import { LevelStore } from '../gateway/store/level/store.ts';
import { against, printTable, quick, summarize, writeResults, type Figure } from './harness.ts';

const repeats = 3;
const entriesPerRun = quick() ? 1_600 : 6_400;
const tahap = '2026-IV';

interface BenchAgent { agentId: string; seed: string; uploads: string[] }

function kpmId(agent: number, i: number): string {
  return `K${String(agent).padStart(5, '0')}-${i}`;
}

function pan(agent: number, i: number): string {
  return `60329${String(agent).padStart(6, '0')}${String(i).padStart(5, '0')}`;
}

/** Two withdrawals per KPM, as in the field (a KPM draws its tahap money once or twice). */
function chain(index: number, seed: string, lookupKey: string, sealer: Sealer, count: number, kpmPerAgent: number): LedgerEntry[] {
  const agentId = `AGT-${String(index).padStart(5, '0')}`;
  const out: LedgerEntry[] = [];
  let prevHash = genesisHash;
  for (let seq = 1; seq <= count; seq++) {
    const k = Math.floor((seq - 1) / 2) % kpmPerAgent;
    const entry = signEntry({
      v: 1, kind: 'withdrawal', id: ulid(), agentId, seq, prevHash, at: Date.now(), tahap, kpmId: kpmId(index, k), amount: 1_000,
      terminalId: 'TERM0001', stan: String(seq % 1_000_000).padStart(6, '0'), localDate: '1122',
      panHash: keyedHash(pan(index, k), lookupKey), sealedPan: sealer.seal(pan(index, k)), rrn: '000000000001', authCode: 'A1B2C3', entitlementSetId: ulid(),
    }, seed);
    out.push(entry);
    prevHash = entry.hash;
  }
  return out;
}

async function setup(agents: number) {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-bench-'));
  const keys = generateGatewayKeys();
  const store = await LevelStore.open({ path: join(dir, 'store'), sealPublicKey: keys.sealPublicKey, sealSecretKey: keys.sealSecretKey, lookupKey: keys.lookupKey, tahapClosesAt: {} });
  const config = GatewayConfig.parse({ v: 1, logLevel: 'silent', rateRequestsMax: 1_000_000 });
  const { app } = await buildGateway({ store, keys, config });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const sealer = new Sealer(keys.sealPublicKey);
  const perAgent = Math.ceil(entriesPerRun / agents);
  const uploadSize = Math.min(100, perAgent);
  const kpmPerAgent = Math.ceil(perAgent / 2);
  const list: BenchAgent[] = [];
  const rows = [];
  for (let a = 0; a < agents; a++) {
    const pair = generateSigningKeyPair();
    const agentId = `AGT-${String(a).padStart(5, '0')}`;
    const kpms = Array.from({ length: kpmPerAgent }, (_, i) => kpmId(a, i));
    const record = await store.addAgent({ agentId, publicKey: pair.publicKey, bank: 'BRI', regionCode: '3273010001', kpmIds: kpms }, { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) });
    for (let i = 0; i < kpmPerAgent; i++) rows.push({ line: 2, tahap, bank: 'BRI' as const, kpmId: kpmId(a, i), nik: '3273010101900001', pan: pan(a, i), name: 'X', regionCode: '3273010001', amount: 100_000_000, status: 'credited' as const, reference: `R${a}-${i}` });
    const entries = chain(a, pair.seed, record.lookupKey, sealer, perAgent, kpmPerAgent);
    const uploads: string[] = [];
    for (let i = 0; i < entries.length; i += uploadSize) uploads.push(JSON.stringify({ v: 1, agentId, entries: entries.slice(i, i + uploadSize) }));
    list.push({ agentId, seed: pair.seed, uploads });
  }
  for (let i = 0; i < rows.length; i += 1000) await store.applyDisbursements(rows.slice(i, i + 1000), { fileSha256: 'b'.repeat(64), now: 1 });
  return { dir, store, app, base, agents: list, total: perAgent * agents };
}

async function runAgent(base: string, agent: BenchAgent): Promise<void> {
  for (const body of agent.uploads) {
    const path = `/v1/agents/${agent.agentId}/uploads`;
    const headers = { ...signRequest({ method: 'POST', path, body }, { agentId: agent.agentId, seed: agent.seed }), 'content-type': 'application/json' };
    const res = await fetch(base + path, { method: 'POST', body, headers });
    if (res.status !== 200) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}

async function ingestRun(agents: number): Promise<number> {
  const s = await setup(agents);
  try {
    const start = performance.now();
    await Promise.all(s.agents.map((a) => runAgent(s.base, a)));
    const seconds = (performance.now() - start) / 1000;
    const stored = (await Promise.all(s.agents.map((a) => s.store.head(a.agentId)))).reduce((n, h) => n + h.seq, 0);
    if (stored !== s.total) throw new Error(`expected ${s.total} entries stored, found ${stored}`);
    return s.total / seconds;
  } finally {
    await s.app.close();
    await s.store.close();
    await rm(s.dir, { recursive: true, force: true });
  }
}

function verifyRate(): number {
  const pair = generateSigningKeyPair();
  const messages = Array.from({ length: 2_000 }, (_, i) => signingBytes(domains.entry, { i, pad: 'x'.repeat(600) }));
  const sigs = messages.map((m) => sign(m, pair.seed));
  const start = performance.now();
  for (let i = 0; i < messages.length; i++) if (!verify(messages[i]!, sigs[i]!, pair.publicKey)) throw new Error('verify failed');
  return messages.length / ((performance.now() - start) / 1000);
}

const figures: Figure[] = [];
const verifySamples: number[] = [];
for (let r = 0; r < repeats; r++) verifySamples.push(verifyRate());
const baseline = summarize('node:crypto Ed25519 verify (raw)', 'verifies/s', verifySamples);
figures.push(baseline);
for (const agents of [1, 16, 256]) {
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) samples.push(await ingestRun(agents));
  figures.push(against(summarize(`HTTP ingest, ${agents} concurrent agent(s)`, 'entries/s', samples), baseline));
}
printTable(`Gateway ingest (${entriesPerRun} entries per run, uploads of <= 100 entries, synced batches)`, figures);
console.log(`\nJSON: ${writeResults('gateway-ingest', figures)}`);
console.log(JSON.stringify(figures));
