/**
 * The reconciliation bench's loader for the PostgreSQL store: the same records as the LevelDB
 * loader (recon-load.ts loadRows: rows, positions, counters in the store's own record formats),
 * bulk-inserted into the store's tables of a fresh schema (kv, counter_shard shard 0) in
 * 20,000-record statements with the projection triggers off (recon_rebuild() fills their tables
 * after, set-wise, from the same definitions), then the same real signed withdrawals through PgStore.ingest. Beside
 * the store, the plain-SQL peer's raw tables of the same data: peer_row (one row per
 * disbursement row) and peer_withdrawal (one per accepted withdrawal).
 */
import pg from 'pg';
import type { GatewayKeys } from '../../gateway/config.ts';
import { migrate, quoteIdent } from '../../gateway/store/pg/migrate.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import { range } from '../../gateway/store/level/keys.ts';
import {
  categoryMix,
  loadRows,
  loadWithdrawals,
  reconTahap,
  type CategoryMix,
  type Put,
  type RecordSink,
} from './recon-load.ts';

function pgSink(client: pg.Client): RecordSink {
  return {
    batch: async (ops: Put[]) => {
      const kv = ops.filter((o) => !o.key.startsWith('ctr!'));
      const ctr = ops.filter((o) => o.key.startsWith('ctr!'));
      await client.query('INSERT INTO kv (key, value) SELECT * FROM unnest($1::text[], $2::text[])', [
        kv.map((o) => o.key),
        kv.map((o) => o.value),
      ]);
      if (ctr.length > 0)
        await client.query(
          'INSERT INTO counter_shard (key, shard, value) SELECT k, 0, v FROM unnest($1::text[], $2::text[]) AS t(k, v)',
          [ctr.map((o) => o.key), ctr.map((o) => o.value)],
        );
    },
    close: () => Promise.resolve(),
  };
}

/** The plain-SQL peer's raw tables, from the same rows and accepted withdrawals. */
async function peerTables(client: pg.Client): Promise<void> {
  const ent = range('ent', reconTahap);
  await client.query(
    'CREATE TABLE peer_row AS SELECT kpm_id, bank, reference, region_code, amount, status FROM recon_row',
  );
  await client.query(
    "CREATE TABLE peer_withdrawal AS SELECT split_part(key, '!', 3) AS kpm_id, " +
      "v #>> '{entry,agentId}' AS agent_id, (v #>> '{entry,amount}')::bigint AS amount " +
      'FROM (SELECT key, value::jsonb AS v FROM kv WHERE key > $1 AND key < $2) AS e ' +
      "WHERE v #>> '{entry,kind}' = 'withdrawal'",
    [ent.gt, ent.lt],
  );
  await client.query('VACUUM ANALYZE peer_row, peer_withdrawal, kv, recon_row, recon_pos, chain, counter_shard');
}

export function schemaUrl(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export async function schemaExists(url: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

export async function bulkLoadPg(
  url: string,
  schema: string,
  size: number,
  keys: GatewayKeys,
): Promise<{ withdrawals: number; mix: CategoryMix }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await migrate(client, schema);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    // The projection triggers (migration 0003) run per statement: off for the 20,000-record
    // inserts, then the same definitions rebuild recon_row and recon_pos once, set-wise.
    await client.query('ALTER TABLE kv DISABLE TRIGGER USER');
    await loadRows(pgSink(client), size, keys);
    await client.query('ALTER TABLE kv ENABLE TRIGGER USER');
    await client.query('SELECT recon_rebuild()');
    await client.query('VACUUM ANALYZE kv, recon_row, recon_pos, counter_shard');
    const store = await PgStore.open({ url: schemaUrl(url, schema), ...keys, tahapClosesAt: {} });
    let loaded: { withdrawals: number; mix: CategoryMix };
    try {
      const withdrawals = await loadWithdrawals(store, size, keys);
      loaded = { withdrawals, mix: await categoryMix(store) };
    } finally {
      await store.close();
    }
    await peerTables(client);
    return loaded;
  } finally {
    await client.end();
  }
}
