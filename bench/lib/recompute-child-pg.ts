/**
 * Reconciliation measurements on the PostgreSQL store, in a fresh process:
 *   node --import tsx bench/lib/recompute-child-pg.ts <url> <schema> <keys.json> <runs>
 * Per run: the plain-SQL peer (one full-outer-join reconciliation over the raw tables peer_row and
 * peer_withdrawal of the same data), then PgStore.reconcile() (set-based recompute compared with
 * the continuous state; must agree). Then 20 continuous summary reads, and the schema's size
 * (pg_total_relation_size of every table). Prints `RESULT {...}`.
 * The schema is a cached load (bench/lib/recon-cache.ts) that may predate this code's last
 * migration: the pending ones are applied first, as `edc-gateway migrate` would, so a cached
 * schema is upgraded in place, not reloaded.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { GatewayKeys } from '../../gateway/config.ts';
import { migrate, quoteIdent } from '../../gateway/store/pg/migrate.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import { schemaUrl } from './recon-load-pg.ts';
import { reconTahap } from './recon-load.ts';

const [url, schema, keysPath, runsText] = process.argv.slice(2) as [string, string, string, string];
const keys = GatewayKeys.parse(JSON.parse(await readFile(keysPath, 'utf8')));

/** What one plain SQL query answers: per bucket, KPMs by category and the rupiah figures. */
const peerSql = `
  SELECT coalesce(r.bank, 'UNKNOWN') AS bank, coalesce(r.region, 'UNKNOWN') AS region, count(*) AS kpm,
    sum(coalesce(r.credited, 0)) AS credited, sum(coalesce(r.failed, 0)) AS failed,
    sum(least(coalesce(w.drawn, 0), coalesce(r.credited, 0))) AS withdrawn,
    count(*) FILTER (WHERE coalesce(r.credited, 0) = 0) AS no_disbursement,
    count(*) FILTER (WHERE r.credited > 0 AND w.drawn IS NULL) AS unclaimed,
    count(*) FILTER (WHERE w.drawn > 0 AND w.drawn < r.credited) AS partial,
    count(*) FILTER (WHERE w.drawn = r.credited) AS matched,
    count(*) FILTER (WHERE w.drawn > r.credited) AS overdrawn
  FROM (
    SELECT kpm_id, min(bank) AS bank, min(region_code) AS region,
      sum(amount) FILTER (WHERE status = 'credited') AS credited,
      sum(amount) FILTER (WHERE status <> 'credited') AS failed
    FROM peer_row GROUP BY kpm_id
  ) AS r
  FULL OUTER JOIN (SELECT kpm_id, sum(amount) AS drawn FROM peer_withdrawal GROUP BY kpm_id) AS w USING (kpm_id)
  GROUP BY 1, 2`;

const client = new pg.Client({ connectionString: url });
await client.connect();
const upgraded = await migrate(client, schema);
if (upgraded.length > 0) console.error(`bench recompute (pg): ${schema} migrated to ${upgraded.join(', ')}`);
await client.query(`SET search_path TO ${quoteIdent(schema)}`);
const store = await PgStore.open({ url: schemaUrl(url, schema), ...keys, tahapClosesAt: {} });

const peers: number[] = [];
const recomputes: number[] = [];
for (let r = 0; r < Number(runsText); r++) {
  let start = performance.now();
  await client.query(peerSql);
  peers.push((performance.now() - start) / 1000);
  start = performance.now();
  const result = await store.reconcile(reconTahap, Date.now());
  recomputes.push((performance.now() - start) / 1000);
  if (!result.agree)
    throw new Error(
      `bench recompute (pg): continuous state and recompute differ: ${result.differences.slice(0, 5).join('; ')}`,
    );
}
const reads: number[] = [];
let kpm = 0;
for (let r = 0; r < 20; r++) {
  const start = performance.now();
  kpm = (await store.summary(reconTahap, {})).kpm;
  reads.push(performance.now() - start);
}
await store.close();
const sizes = await client.query<{ name: string; bytes: string }>(
  'SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c ' +
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
  [schema],
);
await client.end();
const tableBytes = Object.fromEntries(sizes.rows.map((r) => [r.name, Number(r.bytes)]));
const result = { peers, recomputes, reads, kpm, tableBytes, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
console.log(`RESULT ${JSON.stringify(result)}`);
