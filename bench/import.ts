/**
 * Bank import rows/s on both stores, each beside its peer measured in the same run:
 *   npx tsx bench/import.ts [--quick]        (full: 200,000 rows; --quick: 50,000)
 * One BRI file written by the bank simulator (5% failed, 2% returned rows), then, each in a
 * process of its own (bench/lib/import-child.ts) so that each figure carries its peak RSS:
 * - parse + validate only (gateway/import): the LevelDB figure's baseline;
 * - LevelDB store: parsed, validated and stored as `edc-gateway import disbursements`'s store pass
 *   does (chunks of importChunkRowsMax rows, one synced batch each, one chunk in flight);
 * - raw PostgreSQL COPY of the same CSV file into a plain table of text columns: the PostgreSQL
 *   figure's baseline (what loading the same bytes costs PostgreSQL itself, with no validation,
 *   sealing, hashing or reconciliation);
 * - PostgreSQL store: the same store pass (chunks COPYed into staging and merged set-wise).
 * PostgreSQL from EDC_TEST_PG_URL (default postgres://127.0.0.1:5432/test), a fresh schema per
 * run, dropped after; no server answering skips the PostgreSQL figures with a note.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, quoteIdent } from '../gateway/store/pg/migrate.ts';
import { writeBenchBankFile } from './lib/bank-file.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';

// Full size 200,000 rows, not 1,000,000: at 2026-12 rates (LevelDB store ~9,000 rows/s, PostgreSQL
// store ~4,000 rows/s quiet) a million rows on both stores took about 30 minutes alone, and the
// whole of `npm run bench` must fit in 20. Rows/s figures hold at this size (chunks of 1,000 rows).
const rowsCount = sized(200_000, 50_000, 2_000);
const repeats = sized(1, 3, 1);
const pgUrl = (() => {
  const url = new URL(process.env.EDC_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test');
  if (url.username === '') url.username = encodeURIComponent(userInfo().username);
  return url.toString();
})();

interface ChildResult {
  readonly rows: number;
  readonly seconds: number;
  readonly peakRssMiB: number;
}

async function child(mode: string, file: string, target: string): Promise<ChildResult> {
  const script = fileURLToPath(new URL('./lib/import-child.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script, mode, file, target], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`bench import: ${mode} child exited ${String(code)}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
}

async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function pgAnswers(): Promise<boolean> {
  try {
    await withPg((c) => c.query('SELECT 1'));
    return true;
  } catch (error) {
    if (process.env.EDC_REQUIRE_PG === '1') throw error;
    return false;
  }
}

class Series {
  readonly rates: number[] = [];
  readonly rss: number[] = [];
  constructor(readonly name: string) {}
  add(r: ChildResult, expected: number): void {
    if (r.rows !== expected) throw new Error(`bench import: ${this.name}: ${r.rows} rows, expected ${expected}`);
    this.rates.push(r.rows / r.seconds);
    this.rss.push(r.peakRssMiB);
  }
  figures(baseline?: Figure): Figure[] {
    const rate = summarize(`${this.name}, ${rowsCount.toLocaleString('en-US')} rows`, 'rows/s', this.rates);
    return [
      baseline === undefined ? rate : against(rate, baseline),
      summarize(`${this.name}: peak RSS`, 'MiB', this.rss),
    ];
  }
}

async function runAll(dir: string, file: string, withPostgres: boolean) {
  const s = {
    parse: new Series('parse + validate only'),
    level: new Series('import, LevelDB store (parse + validate + store)'),
    copy: new Series('raw PostgreSQL COPY of the same CSV'),
    pg: new Series('import, PostgreSQL store (parse + validate + store)'),
  };
  for (let r = 0; r < repeats; r++) {
    s.parse.add(await child('parse', file, ''), rowsCount);
    s.level.add(await child('level', file, join(dir, `store-${r}`)), rowsCount);
    await rm(join(dir, `store-${r}`), { recursive: true, force: true });
    if (!withPostgres) continue;
    const schema = `bench_import_${process.pid}_${r}`;
    await withPg((c) => migrate(c, schema));
    try {
      const url = new URL(pgUrl);
      url.searchParams.set('schema', schema);
      s.copy.add(await child('pg-copy', file, url.toString()), rowsCount);
      s.pg.add(await child('pg', file, url.toString()), rowsCount);
    } finally {
      await withPg((c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
    }
  }
  return s;
}

const dir = await mkdtemp(join(tmpdir(), 'edc-bench-import-'));
try {
  const file = join(dir, 'bri.csv');
  await writeBenchBankFile(file, rowsCount);
  const withPostgres = await pgAnswers();
  const s = await runAll(dir, file, withPostgres);
  const [parse, parseRss] = s.parse.figures();
  const figures: Figure[] = [parse!, parseRss!, ...s.level.figures(parse)];
  if (withPostgres) {
    const [copy, copyRss] = s.copy.figures();
    figures.push(copy!, copyRss!, ...s.pg.figures(copy));
  }
  const notes = withPostgres ? [] : [`PostgreSQL figures skipped: no server answered at ${new URL(pgUrl).host}`];
  finish('import', 'Bank import rows/s, LevelDB and PostgreSQL stores', figures, notes);
} finally {
  await rm(dir, { recursive: true, force: true });
}
