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
 *   continuous summary read; beside the recompute, a raw LevelDB scan of the same records;
 * - the same for the PostgreSQL store (bench/lib/recon-load-pg.ts, recompute-child-pg.ts) when
 *   a server answers at EDC_TEST_PG_URL: set-based recompute beside the plain-SQL peer (one
 *   full-outer-join query over raw tables of the same data) and beside LevelDB, the summary
 *   read, and the store's bytes per KPM.
 * Loaded stores are kept between runs (bench/lib/recon-cache.ts; clear: rm -rf .tmp/bench-cache
 * and drop the bench_recon_* schemas).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseDisbursements, type DisbursementRow } from '../gateway/import/index.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { LevelStore } from '../gateway/store/level/store.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';
import pg from 'pg';
import { bulkLoad, describeMix, reconTahap } from './lib/recon-load.ts';
import { bulkLoadPg, schemaExists } from './lib/recon-load-pg.ts';
import { cachedLoad, cacheKey, type LoadedStore } from './lib/recon-cache.ts';
import { writeBenchBankFile } from './lib/bank-file.ts';

const importRows = sized(50_000, 5_000, 1_000);
/** BENCH_RECON_SIZES=100000,1000000 measures only those sizes (a single big measurement). */
const sizes =
  process.env.BENCH_RECON_SIZES === undefined
    ? sized([100_000, 1_000_000, 10_000_000], [20_000, 100_000], [2_000])
    : process.env.BENCH_RECON_SIZES.split(',').map(Number);
const runsFor = (size: number): number => (size >= 10_000_000 ? 1 : size >= 1_000_000 ? 2 : 3);

async function importFigures(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-import-'));
  const keys = generateGatewayKeys();
  try {
    const file = join(dir, 'bri.csv');
    await writeBenchBankFile(file, importRows);
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

/** Each loaded store's category mix, printed beside its figures (notes of the result). */
const mixNotes: string[] = [];

const pgUrl = pgUrlWithUser(process.env.EDC_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test');

function pgUrlWithUser(text: string): string {
  const url = new URL(text);
  if (url.username === '') url.username = encodeURIComponent(userInfo().username);
  return url.toString();
}

async function pgAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (process.env.EDC_REQUIRE_PG === '1') throw error;
    return false;
  }
}

async function child<R>(script: string, args: string[]): Promise<R> {
  const proc = spawn(
    'nice',
    [process.execPath, '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  proc.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const line = text.split('\n').find((l) => l.startsWith('RESULT '));
  if (status !== 0 || line === undefined) throw new Error(`bench child ${script} failed (status ${String(status)})`);
  return JSON.parse(line.slice('RESULT '.length)) as R;
}

const loadFigure = (what: string, loaded: LoadedStore, label: string): Figure[] =>
  loaded.cached
    ? []
    : [
        summarize(
          `bulk load, ${what} (bench loader + ingest of ` +
            `${loaded.withdrawals.toLocaleString('en-US')} withdrawals), ${label}`,
          's',
          [loaded.loadSeconds],
        ),
      ];

async function levelFigures(size: number, label: string): Promise<{ figures: Figure[]; recompute: Figure }> {
  const loaded = await cachedLoad(cacheKey({ store: 'level', size }), generateGatewayKeys, (dir, keys) =>
    bulkLoad(join(dir, 'store'), size, keys),
  );
  mixNotes.push(`category mix of the loaded stores, ${label}: ${describeMix(loaded.mix)}`);
  console.log(mixNotes.at(-1));
  const ok = loaded.mix.withdrawals.ok ?? 0;
  const m = await child<ChildResult>('./lib/recompute-child.ts', [
    join(loaded.dir, 'store'),
    loaded.keysPath,
    String(runsFor(size)),
  ]);
  if (m.kpm !== size) throw new Error(`bench recon: summary counts ${m.kpm} KPM, expected ${size}`);
  const scan = summarize(
    `raw LevelDB scan of recompute's records, ${label} (${(m.scanned.bytes / 2 ** 20).toFixed(0)} MiB)`,
    's',
    m.scans,
  );
  const recompute = against(summarize(`full recompute, LevelDB store, ${label}`, 's', m.recomputes), scan);
  const figures = [
    ...loadFigure('LevelDB', loaded, label),
    scan,
    recompute,
    summarize(`peak RSS of the recompute process, LevelDB, ${label}`, 'MiB', [m.peakRssMiB]),
    summarize(`peak anonymous RSS of the recompute process (without mapped LevelDB files), ${label}`, 'MiB', [
      m.peakAnonRssMiB,
    ]),
    summarize(`continuous summary read, LevelDB store, ${label}`, 'ms', m.reads),
    summarize(`share of the loaded withdrawals classified ok, ${label}`, '%', [(100 * ok) / loaded.withdrawals]),
  ];
  return { figures, recompute };
}

interface PgChildResult {
  peers: number[];
  recomputes: number[];
  reads: number[];
  kpm: number;
  tableBytes: Record<string, number>;
  peakRssMiB: number;
}

async function pgFigures(size: number, label: string, levelRecompute: Figure): Promise<Figure[]> {
  const hash = cacheKey({ store: 'pg', size, url: pgUrl });
  const schema = `bench_recon_${hash}`;
  const loaded = await cachedLoad(
    hash,
    generateGatewayKeys,
    (_dir, keys) => bulkLoadPg(pgUrl, schema, size, keys),
    () => schemaExists(pgUrl, schema),
  );
  const m = await child<PgChildResult>('./lib/recompute-child-pg.ts', [
    pgUrl,
    schema,
    loaded.keysPath,
    String(runsFor(size)),
  ]);
  if (m.kpm !== size) throw new Error(`bench recon (pg): summary counts ${m.kpm} KPM, expected ${size}`);
  const peer = summarize(
    `plain SQL reconciliation (one full outer join over raw tables), PostgreSQL, ${label}`,
    's',
    m.peers,
  );
  const recompute = summarize(`full recompute, PostgreSQL store (set-based), ${label}`, 's', m.recomputes);
  const storeBytes = Object.entries(m.tableBytes)
    .filter(([name]) => !name.startsWith('peer_'))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
  return [
    ...loadFigure('PostgreSQL', loaded, label),
    peer,
    against(recompute, peer),
    against(
      summarize(`full recompute, PostgreSQL store, against LevelDB, ${label}`, 's', m.recomputes),
      levelRecompute,
    ),
    summarize(`continuous summary read, PostgreSQL store (16 counter shards), ${label}`, 'ms', m.reads),
    summarize(`PostgreSQL store size per KPM (pg_total_relation_size of its tables), ${label}`, 'bytes', [
      storeBytes / size,
    ]),
  ];
}

async function sizeFigures(size: number, withPg: boolean): Promise<Figure[]> {
  const label = `${size.toLocaleString('en-US')} KPM`;
  const level = await levelFigures(size, label);
  return [...level.figures, ...(withPg ? await pgFigures(size, label, level.recompute) : [])];
}

const figures: Figure[] = await importFigures();
const withPg = await pgAnswers();
if (!withPg) mixNotes.push('PostgreSQL did not answer at ' + pgUrl + ': its figures are skipped');
for (const size of sizes) figures.push(...(await sizeFigures(size, withPg)));
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
