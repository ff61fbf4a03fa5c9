/**
 * Gateway reconciliation at scale.
 *   npx tsx bench/gateway-recon.ts [--quick] [--sizes 100000,1000000] [--huge]   (--huge adds 10M KPM)
 * For each size (KPM count, one BRI file, 5% gagal transfer, 2% retur; one withdrawal for 30% of
 * KPMs from agents of 1000 KPM each):
 * - import rows/s: a CSV written by the bank simulator, parsed by gateway/import and applied in
 *   chunks of 1000 rows (each chunk one synced batch with its reconciliation updates), as
 *   `edc-gateway import disbursements` does; samples are per slice of 10% of the file;
 * - full recompute time (streaming over sorted keys) and peak RSS during it, 3 runs;
 * - continuous summary read time (the tahap totals a dashboard shows), 20 reads.
 * JSON in bench/results/gateway-recon.json.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair, keyedHash, toBase64 } from '../protocol/crypto/index.ts';
import { genesisHash, signEntry, type LedgerEntry } from '../protocol/messages/index.ts';
import { ulid } from '../protocol/ids.ts';
import { parseDisbursements, type DisbursementRow } from '../gateway/import/index.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { Sealer } from '../gateway/crypto/fast-seal.ts';
import { LevelStore } from '../gateway/store/level/store.ts';
import { iteratePopulation, writeDisbursementFile } from '../simulators/bank/index.ts';
import { printTable, quick, summarize, writeResults, type Figure } from './harness.ts';

const tahap = '2026-IV';
const kpmPerAgent = 1000;

function sizes(): number[] {
  const i = process.argv.indexOf('--sizes');
  const list = i >= 0 ? (process.argv[i + 1] ?? '').split(',').map(Number) : quick() ? [20_000] : [100_000, 1_000_000];
  return process.argv.includes('--huge') ? [...list, 10_000_000] : list;
}

async function importFile(store: LevelStore, file: string, size: number): Promise<number[]> {
  const samples: number[] = [];
  const slice = Math.max(1000, Math.floor(size / 10));
  let chunk: DisbursementRow[] = [];
  let inSlice = 0;
  let sliceStart = performance.now();
  for await (const item of parseDisbursements(createReadStream(file), { bank: 'BRI', tahap })) {
    if (!item.ok) throw new Error(`unexpected reject ${item.reject.code} at line ${item.reject.line}`);
    chunk.push(item.row);
    if (chunk.length === 1000) {
      await store.applyDisbursements(chunk, { fileSha256: 'c'.repeat(64), now: 1 });
      inSlice += chunk.length;
      chunk = [];
      if (inSlice >= slice) {
        samples.push(inSlice / ((performance.now() - sliceStart) / 1000));
        inSlice = 0;
        sliceStart = performance.now();
      }
    }
  }
  if (chunk.length > 0) await store.applyDisbursements(chunk, { fileSha256: 'c'.repeat(64), now: 1 });
  return samples;
}

async function withdrawals(store: LevelStore, sealPublicKey: string, size: number): Promise<number> {
  const sealer = new Sealer(sealPublicKey);
  let count = 0;
  let agent: { id: string; seed: string; lookupKey: string; seq: number; prev: string; batch: LedgerEntry[] } | undefined;
  const flush = async () => {
    if (agent !== undefined && agent.batch.length > 0) await store.ingest(agent.id, agent.batch, 10);
    if (agent !== undefined) agent.batch = [];
  };
  for (const kpm of iteratePopulation({ seed: 1, size, banks: ['BRI'] })) {
    if (kpm.index % kpmPerAgent === 0) {
      await flush();
      const pair = generateSigningKeyPair();
      const id = `AGT-${String(kpm.index / kpmPerAgent).padStart(6, '0')}`;
      const record = await store.addAgent({ agentId: id, publicKey: pair.publicKey, bank: 'BRI', regionCode: kpm.regionCode, kpmIds: [] }, { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) });
      agent = { id, seed: pair.seed, lookupKey: record.lookupKey, seq: 0, prev: genesisHash, batch: [] };
    }
    if (agent === undefined || kpm.index % 10 >= 3) continue;
    const entry = signEntry({
      v: 1, kind: 'withdrawal', id: ulid(), agentId: agent.id, seq: agent.seq + 1, prevHash: agent.prev, at: 5, tahap, kpmId: kpm.kpmId, amount: Math.min(kpm.rupiahPerTahap, 200_000),
      terminalId: 'TERM0001', stan: String((agent.seq + 1) % 1_000_000).padStart(6, '0'), localDate: '1122', panHash: keyedHash(kpm.card.pan, agent.lookupKey),
      sealedPan: sealer.seal(kpm.card.pan), rrn: '000000000001', authCode: 'A1B2C3', entitlementSetId: ulid(),
    }, agent.seed);
    agent.seq = entry.seq;
    agent.prev = entry.hash;
    agent.batch.push(entry);
    count += 1;
    if (agent.batch.length >= 500) await flush();
  }
  await flush();
  return count;
}

async function recomputeRun(store: LevelStore): Promise<{ seconds: number; peakRssMb: number; agree: boolean; kpm: number }> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  const result = await store.reconcile(tahap, Date.now());
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, peakRssMb: peak / 2 ** 20, agree: result.agree, kpm: result.kpmCount };
}

async function benchSize(size: number): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-recon-'));
  const keys = generateGatewayKeys();
  const store = await LevelStore.open({ path: join(dir, 'store'), sealPublicKey: keys.sealPublicKey, sealSecretKey: keys.sealSecretKey, lookupKey: keys.lookupKey, tahapClosesAt: {} });
  try {
    const file = join(dir, 'bri.csv');
    const out = createWriteStream(file);
    await writeDisbursementFile(iteratePopulation({ seed: 1, size, banks: ['BRI'] }), { bank: 'BRI', tahap, seed: 2, failedRate: 0.05, returnedRate: 0.02 }, out);
    out.end();
    await finished(out);
    const importSamples = await importFile(store, file, size);
    const entries = await withdrawals(store, keys.sealPublicKey, size);
    const runs = [];
    for (let r = 0; r < 3; r++) runs.push(await recomputeRun(store));
    if (!runs.every((r) => r.agree && r.kpm === size)) throw new Error(`recompute disagreed or missed KPMs: ${JSON.stringify(runs)}`);
    const reads: number[] = [];
    for (let r = 0; r < 20; r++) {
      const start = performance.now();
      await store.summary(tahap, {});
      reads.push(performance.now() - start);
    }
    const label = `${size.toLocaleString('en-US')} KPM`;
    return [
      summarize(`import rows/s (parse + store), ${label}`, 'rows/s', importSamples),
      summarize(`full recompute, ${label} + ${entries.toLocaleString('en-US')} withdrawals`, 's', runs.map((r) => r.seconds)),
      summarize(`peak RSS during recompute, ${label}`, 'MiB', runs.map((r) => r.peakRssMb)),
      summarize(`continuous summary read, ${label}`, 'ms', reads),
    ];
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const figures: Figure[] = [];
for (const size of sizes()) figures.push(...(await benchSize(size)));
printTable('Gateway reconciliation', figures);
console.log(`\nJSON: ${writeResults('gateway-recon', figures)}`);
console.log(JSON.stringify(figures));
