/**
 * Gateway ingest over HTTP on the PostgreSQL store: entries/s verified and stored by 1, 2 and 3
 * gateway replicas (each its own process) on one fresh schema, agents spread over the replicas
 * as a load balancer would, beside the LevelDB store's single gateway measured in the same run
 * (the baseline). PostgreSQL from EDC_TEST_PG_URL (default postgres://127.0.0.1:5432/test); with
 * no server answering the PostgreSQL figures are skipped with a note (EDC_REQUIRE_PG=1: an error).
 *   npx tsx bench/pg-ingest.ts [--quick]
 * On this machine the replicas, the load generator and PostgreSQL share 2 cores: more replicas
 * add processes, not cores; the figures show what a replica costs, not how a cluster scales.
 */
import { userInfo } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { Sealer } from '../gateway/crypto/fast-seal.ts';
import type { GatewayKeys } from '../gateway/config.ts';
import { migrate, quoteIdent } from '../gateway/store/pg/migrate.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';
import { startGateway, type GatewayProcess } from './lib/gateway-proc.ts';
import { buildFleet, emptyTally, forwardAll } from './lib/light-forwarder.ts';

/** Like psql, the operating system's user when the URL names none. */
function pgUrlWithUser(text: string): string {
  const url = new URL(text);
  if (url.username === '') url.username = encodeURIComponent(userInfo().username);
  return url.toString();
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (process.env.EDC_REQUIRE_PG === '1') throw error;
    return false;
  }
}

const repeats = sized(3, 1);
const entriesPerRun = sized(6_400, 1_024, 128);
const agentsCount = 16;
const replicaCounts = [1, 2, 3];
const config = { rateRequestsMax: 1_000_000 };

function fleet(keys: GatewayKeys) {
  const perAgent = Math.ceil(entriesPerRun / agentsCount);
  return {
    total: perAgent * agentsCount,
    ...buildFleet(
      { agents: agentsCount, entriesPerAgent: perAgent, kpmPerAgent: Math.ceil(perAgent / 2), uploadSize: 100 },
      new Sealer(keys.sealPublicKey),
    ),
  };
}

async function timeForwarding(urls: readonly string[], light: ReturnType<typeof fleet>['light'], keys: GatewayKeys) {
  const tally = emptyTally();
  const start = performance.now();
  await Promise.all(light.map((a, i) => forwardAll(urls[i % urls.length]!, a, keys.signingPublicKey, tally)));
  return (performance.now() - start) / 1000;
}

async function levelRun(): Promise<number> {
  const keys = generateGatewayKeys();
  const { total, enrolled, light } = fleet(keys);
  const gateway = await startGateway({ keys, config, agents: enrolled });
  const elapsed = await timeForwarding([gateway.url], light, keys);
  const done = await gateway.stop();
  if (done.storedEntries !== total) throw new Error(`LevelDB: expected ${total} stored, found ${done.storedEntries}`);
  return total / elapsed;
}

async function pgRun(url: string, replicas: number): Promise<number> {
  const keys = generateGatewayKeys();
  const { total, enrolled, light } = fleet(keys);
  const schema = `bench_ingest_${process.pid}_${replicas}_${Date.now()}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(client, schema);
    const store = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
    const first = await startGateway({ keys, config, agents: enrolled, store });
    const others: GatewayProcess[] = await Promise.all(
      Array.from({ length: replicas - 1 }, () =>
        startGateway({ keys, config, agents: enrolled, store, enroll: false }),
      ),
    );
    const all = [first, ...others];
    const elapsed = await timeForwarding(
      all.map((g) => g.url),
      light,
      keys,
    );
    const done = await Promise.all(all.map((g) => g.stop()));
    const stored = Math.max(...done.map((d) => d.storedEntries));
    if (stored !== total) throw new Error(`PostgreSQL: expected ${total} stored, found ${stored}`);
    return total / elapsed;
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await client.end();
  }
}

const level: number[] = [];
for (let r = 0; r < repeats; r++) level.push(await levelRun());
const baseline = summarize('HTTP ingest, LevelDB store, 1 gateway', 'entries/s', level);
const figures: Figure[] = [baseline];
const notes = [`${agentsCount} agents, uploads of 100 entries, agents spread round-robin over the replicas`];
const pgUrl = pgUrlWithUser(process.env.EDC_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test');
if (await answers(pgUrl)) {
  for (const n of replicaCounts) {
    const rates: number[] = [];
    for (let r = 0; r < repeats; r++) rates.push(await pgRun(pgUrl, n));
    figures.push(against(summarize(`HTTP ingest, PostgreSQL store, ${n} replica(s)`, 'entries/s', rates), baseline));
  }
} else notes.push('PostgreSQL figures skipped: no server answered (set EDC_TEST_PG_URL)');
finish('pg-ingest', `Gateway ingest on PostgreSQL (${entriesPerRun} entries per run) beside LevelDB`, figures, notes);
