/**
 * Gateway reconciliation at scale.
 *   npx tsx bench/gateway-recon.ts [--quick]        (full: 100k, 1M and 10M KPM)
 * - import rows/s: a BRI file written by the bank simulator, parsed by gateway/import and applied
 *   through store.applyDisbursements in chunks of 1,000 rows (each one synced batch with its
 *   reconciliation updates), as `edc-gateway import disbursements` does; beside it, the same
 *   file parsed and validated without storing (the parse's share);
 * - for each size: the store is bulk-loaded (bench/lib/recon-load.ts: disbursement records
 *   written in the store's formats, 1% of KPMs with a real signed withdrawal ingested through
 *   the store), then a fresh process (bench/lib/recompute-child.ts) times the full recompute
 *   (store.reconcile, which must agree with the continuous state), its peak RSS, and the
 *   continuous summary read; beside the recompute, a raw LevelDB scan of the same records.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseDisbursements, type DisbursementRow } from '../gateway/import/index.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { LevelStore } from '../gateway/store/level/store.ts';
import { iteratePopulation, writeDisbursementFile } from '../simulators/bank/index.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';
import { bulkLoad, describeMix, reconTahap } from './lib/recon-load.ts';

const importRows = sized(50_000, 5_000, 1_000);
const sizes = sized([100_000, 1_000_000, 10_000_000], [20_000, 100_000], [2_000]);
const runsFor = (size: number): number => (size >= 10_000_000 ? 1 : size >= 1_000_000 ? 2 : 3);

async function importFigures(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-import-'));
  const keys = generateGatewayKeys();
  try {
    const file = join(dir, 'bri.csv');
    const out = createWriteStream(file);
    await writeDisbursementFile(
      iteratePopulation({ seed: 1, size: importRows, banks: ['BRI'] }),
      { bank: 'BRI', tahap: reconTahap, seed: 2, failedRate: 0.05, returnedRate: 0.02 },
      out,
    );
    out.end();
    await finished(out);
    const parseOnly: number[] = [];
    const stored: number[] = [];
    for (let r = 0; r < 3; r++) {
      let start = performance.now();
      let n = 0;
      for await (const item of parseDisbursements(createReadStream(file), { bank: 'BRI', tahap: reconTahap }))
        if (item.ok) n++;
      parseOnly.push(n / ((performance.now() - start) / 1000));
      const store = await LevelStore.open({
        path: join(dir, `store-${r}`),
        sealPublicKey: keys.sealPublicKey,
        sealSecretKey: keys.sealSecretKey,
        lookupKey: keys.lookupKey,
        tahapClosesAt: {},
      });
      start = performance.now();
      let chunk: DisbursementRow[] = [];
      let accepted = 0;
      for await (const item of parseDisbursements(createReadStream(file), { bank: 'BRI', tahap: reconTahap })) {
        if (!item.ok) throw new Error(`unexpected reject ${item.reject.code} at line ${item.reject.line}`);
        chunk.push(item.row);
        if (chunk.length === 1000) {
          accepted += (await store.applyDisbursements(chunk, { fileSha256: 'c'.repeat(64), now: 1 })).accepted;
          chunk = [];
        }
      }
      if (chunk.length > 0)
        accepted += (await store.applyDisbursements(chunk, { fileSha256: 'c'.repeat(64), now: 1 })).accepted;
      stored.push(accepted / ((performance.now() - start) / 1000));
      await store.close();
      if (accepted !== n) throw new Error(`bench import: ${accepted} rows stored, ${n} parsed`);
    }
    const baseline = summarize(
      `import parse + validate only, ${importRows.toLocaleString('en-US')} rows`,
      'rows/s',
      parseOnly,
    );
    return [
      baseline,
      against(
        summarize(
          `import rows/s (parse + validate + store, synced 1,000-row batches), ` +
            `${importRows.toLocaleString('en-US')} rows`,
          'rows/s',
          stored,
        ),
        baseline,
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ChildResult {
  scans: number[];
  recomputes: number[];
  reads: number[];
  kpm: number;
  scanned: { records: number; bytes: number };
  peakRssMiB: number;
  peakAnonRssMiB: number;
}

async function measure(path: string, keysPath: string, runs: number): Promise<ChildResult> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./lib/recompute-child.ts', import.meta.url)),
      path,
      keysPath,
      String(runs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = text.split('\n').find((l) => l.startsWith('RESULT '));
  if (status !== 0 || line === undefined) throw new Error(`bench recompute child failed (status ${String(status)})`);
  return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

/** Each loaded store's category mix, printed beside its figures (notes of the result). */
const mixNotes: string[] = [];

async function sizeFigures(size: number): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-recon-'));
  const keys = generateGatewayKeys();
  try {
    const keysPath = join(dir, 'keys.json');
    await writeFile(keysPath, JSON.stringify(keys));
    const loadStart = performance.now();
    const { withdrawals, mix } = await bulkLoad(join(dir, 'store'), size, keys);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const label = `${size.toLocaleString('en-US')} KPM`;
    mixNotes.push(`category mix of the loaded store, ${label}: ${describeMix(mix)}`);
    console.log(mixNotes.at(-1));
    const ok = mix.withdrawals.ok ?? 0;
    const m = await measure(join(dir, 'store'), keysPath, runsFor(size));
    if (m.kpm !== size) throw new Error(`bench recon: summary counts ${m.kpm} KPM, expected ${size}`);
    const scan = summarize(
      `raw LevelDB scan of recompute's records, ${label} (${(m.scanned.bytes / 2 ** 20).toFixed(0)} MiB)`,
      's',
      m.scans,
    );
    return [
      summarize(
        `bulk load (bench loader + ingest of ${withdrawals.toLocaleString('en-US')} withdrawals), ${label}`,
        's',
        [loadSeconds],
      ),
      scan,
      against(summarize(`full recompute (store.reconcile), ${label}`, 's', m.recomputes), scan),
      summarize(`peak RSS of the recompute process, ${label}`, 'MiB', [m.peakRssMiB]),
      summarize(`peak anonymous RSS of the recompute process (without mapped LevelDB files), ${label}`, 'MiB', [
        m.peakAnonRssMiB,
      ]),
      summarize(`continuous summary read, ${label}`, 'ms', m.reads),
      summarize(`share of the loaded withdrawals classified ok, ${label}`, '%', [(100 * ok) / withdrawals]),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const figures: Figure[] = await importFigures();
for (const size of sizes) figures.push(...(await sizeFigures(size)));
finish(
  'gateway-recon',
  `Gateway import and reconciliation at ${sizes.map((s) => s.toLocaleString('en-US')).join(' / ')} KPM`,
  figures,
  [
    'stores above the import size are bulk-loaded by bench/lib/recon-load.ts ' +
      '(store record formats written directly, withdrawals through store.ingest); ' +
      'reconcile() agreeing with the continuous state proves the load',
    ...mixNotes,
  ],
);
