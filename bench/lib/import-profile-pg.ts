/**
 * Where a PostgreSQL bank import spends its time, per statement (pg_stat_statements is not
 * installed on the bench server): every query the store's pool clients send is timed from send to
 * answer (a COPY to its end) and summed by its first words; Node's own CPU beside the wall time.
 *   node --import tsx bench/lib/import-profile-pg.ts [ROWS]      (default 20,000; 1,000-row chunks)
 * PostgreSQL from EDC_TEST_PG_URL (default postgres://127.0.0.1:5432/test), a fresh schema, dropped
 * after (kept with EDC_PROFILE_KEEP=1, for EXPLAIN ANALYZE by hand). One import chunk in flight at
 * a time, so the statement times add up to the store's wall.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { importChunkRowsMax } from '../../gateway/cli/import-disbursements.ts';
import { parseDisbursementBatches, type DisbursementRow } from '../../gateway/import/index.ts';
import { generateGatewayKeys } from '../../gateway/keys.ts';
import { migrate, quoteIdent } from '../../gateway/store/pg/migrate.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import { benchBankFileTahap, writeBenchBankFile } from './bank-file.ts';

const rowsCount = Number(process.argv[2] ?? 20_000);
const url = new URL(process.env.EDC_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test');
if (url.username === '') url.username = encodeURIComponent(userInfo().username);

/** Server CPU (user + system, ms) of a local backend process, from /proc; undefined when not readable. */
function backendCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
/** Each pool backend's CPU when first seen (the server runs on this machine: its CPU is measurable). */
const backends = new Map<number, number | undefined>();

const spent = new Map<string, { n: number; ms: number }>();
function record(label: string, ms: number): void {
  const s = spent.get(label) ?? { n: 0, ms: 0 };
  s.n++;
  s.ms += ms;
  spent.set(label, s);
}

function labelOf(arg: unknown): string {
  const text = typeof arg === 'string' ? arg : ((arg as { text?: string }).text ?? 'COPY (stream)');
  return text.replace(/\s+/g, ' ').slice(0, 90);
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with its client by apply() below
const original = pg.Client.prototype.query as unknown as QueryFn;
(pg.Client.prototype as unknown as { query: QueryFn }).query = function (this: pg.Client, ...args: unknown[]) {
  const start = performance.now();
  const pid = (this as unknown as { processID?: number }).processID;
  if (pid !== undefined && !backends.has(pid)) backends.set(pid, backendCpuMs(pid));
  const label = labelOf(args[0]);
  const done = () => record(label, performance.now() - start);
  const last = args.length - 1;
  const callback = args[last];
  if (typeof callback === 'function')
    args[last] = (...result: unknown[]) => {
      done();
      return (callback as (...r: unknown[]) => unknown)(...result);
    };
  const out = original.apply(this, args);
  if (typeof callback === 'function') return out;
  if (out instanceof Promise) void out.finally(done).catch(() => {});
  else if (typeof (out as { once?: unknown } | undefined)?.once === 'function')
    (out as NodeJS.EventEmitter).once('finish', done);
  return out;
};

async function storeAll(store: PgStore, file: string): Promise<number> {
  let accepted = 0;
  let chunk: DisbursementRow[] = [];
  const flush = async () => {
    const out = await store.applyDisbursements(chunk, { fileSha256: 'c'.repeat(64), now: 1 });
    accepted += out.accepted;
    chunk = [];
  };
  for await (const batch of parseDisbursementBatches(createReadStream(file), {
    bank: 'BRI',
    tahap: benchBankFileTahap,
  }))
    for (const item of batch) {
      if (item.ok) chunk.push(item.row);
      if (chunk.length >= importChunkRowsMax) await flush();
    }
  if (chunk.length > 0) await flush();
  return accepted;
}

const dir = await mkdtemp(join(tmpdir(), 'edc-import-profile-'));
const schema = `bench_import_profile_${process.pid}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
try {
  const file = join(dir, 'bri.csv');
  await writeBenchBankFile(file, rowsCount);
  await migrate(admin, schema);
  const storeUrl = new URL(url);
  storeUrl.searchParams.set('schema', schema);
  const store = await PgStore.open({ url: storeUrl.toString(), ...generateGatewayKeys(), tahapClosesAt: {} });
  spent.clear();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const accepted = await storeAll(store, file);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  let serverMs = 0;
  for (const [pid, first] of backends) serverMs += (backendCpuMs(pid) ?? NaN) - (first ?? NaN);
  await store.close();
  const total = [...spent.values()].reduce((t, s) => t + s.ms, 0);
  console.log(`rows ${accepted}, wall ${(wall / 1000).toFixed(2)} s, ${Math.round(accepted / (wall / 1000))} rows/s`);
  const nodeCpu = (used.user + used.system) / 1000 / wall;
  console.log(
    `server cpu ${(serverMs / 1000).toFixed(2)} s = ${((1e6 * serverMs) / 1000 / accepted).toFixed(0)} µs/row`,
  );
  const nodeUs = (used.user + used.system) / accepted;
  console.log(`node cpu ${nodeUs.toFixed(0)} µs/row = ${nodeCpu.toFixed(2)} of wall`);
  console.log(`in statements ${(total / wall).toFixed(2)} of wall:`);
  for (const [label, s] of [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20))
    console.log(`${((100 * s.ms) / wall).toFixed(1).padStart(5)}%  ${String(s.n).padStart(5)}x  ${label}`);
  const stored = await admin.query<{ prefix: string; n: string; bytes: string }>(
    `SELECT split_part(key, '!', 1) AS prefix, count(*) AS n, avg(length(value))::int AS bytes ` +
      `FROM ${quoteIdent(schema)}.kv GROUP BY 1 ORDER BY 2 DESC`,
  );
  console.log(
    'kv records stored, by prefix: ' + stored.rows.map((r) => `${r.prefix} ${r.n} x ${r.bytes} B`).join(', '),
  );
} finally {
  // EDC_PROFILE_KEEP=1 keeps the schema for EXPLAIN ANALYZE by hand (drop it after).
  if (process.env.EDC_PROFILE_KEEP === '1') console.log(`kept schema ${schema}`);
  else await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
