/**
 * Versioned migrations of the PostgreSQL store: migrations/NNNN_name.sql applied in order, each
 * in its own transaction with its row in schema_migrations, under a session advisory lock per
 * schema so that replicas started together (or two `edc-gateway migrate`) apply each once.
 * A store opens only on the exact version this code knows (checkSchemaVersion).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { ERR_STORE_SCHEMA } from '../../errors.ts';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function migrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^[0-9]{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: readFileSync(migrationsDir + f, 'utf8'),
    }));
}

/** The schema version this code runs on: the last migration's. */
export function knownSchemaVersion(): number {
  return migrations().at(-1)?.version ?? 0;
}

export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** The lock key of one schema's migrations (pg_advisory_lock takes a bigint). */
function lockKey(schema: string): string {
  return `edc-gateway-migrate:${schema}`;
}

/**
 * Applies the migrations the schema lacks (those up to `upTo`, all by default: a test holds a
 * schema at an older version to test its upgrade); returns the versions applied now.
 */
export async function migrate(client: pg.ClientBase, schema: string, upTo = Infinity): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey(schema)]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations ' +
        '(version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const held = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(held.rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations()) {
      if (done.has(m.version) || m.version > upTo) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(schema)]);
  }
}

/** Refuses a schema that was never migrated, or is older or newer than this code (EDC_ERR_STORE_SCHEMA). */
export async function checkSchemaVersion(client: pg.ClientBase, schema: string): Promise<void> {
  const known = knownSchemaVersion();
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${quoteIdent(schema)}.schema_migrations`,
  ]);
  if (exists.rows[0]?.t === null || exists.rows[0]?.t === undefined)
    throw new ERR_STORE_SCHEMA(
      `Skema ${schema} belum dimigrasi / Cannot open schema ${schema}: expected version ${known}, ` +
        'found no schema_migrations table (run "edc-gateway migrate --store ...")',
      { schema, expected: known, found: 0 },
    );
  const res = await client.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${quoteIdent(schema)}.schema_migrations`,
  );
  const found = res.rows[0]?.v ?? 0;
  if (found === known) return;
  const [id, en] =
    found < known
      ? ['lebih lama; jalankan edc-gateway migrate', 'older; run "edc-gateway migrate --store ..."']
      : ['lebih baru dari gateway ini; perbarui gateway', 'newer than this gateway; upgrade the gateway'];
  throw new ERR_STORE_SCHEMA(
    `Skema ${schema} versi ${found} ${id} / Cannot open schema ${schema}: expected version ${known}, ` +
      `found ${found} (${en})`,
    { schema, expected: known, found },
  );
}
