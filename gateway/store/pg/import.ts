/**
 * A bank import chunk's writes on PostgreSQL, set-wise. The chunk is planned by the same code as
 * on LevelDB (store/level/import-plan.ts, reading what it touches with one `key = ANY($1)` query
 * per table); its records then go through `COPY ... FROM STDIN` into a temporary staging table
 * and are merged with three statements, inside the import's one SERIALIZABLE transaction:
 *
 * 1. new disbursement rows (`drow!`) are inserted ON CONFLICT DO NOTHING, and the count inserted
 *    must equal the count staged: a row another replica stored after this transaction read (two
 *    replicas importing the same file at once) makes the transaction fail as a serialization
 *    failure, so the store retries it whole, re-reads and now plans that row as a duplicate.
 *    SERIALIZABLE would catch the race on its own; this check makes "never counted twice" hold
 *    without relying on predicate locks alone;
 * 2. every other record (positions, look-up indexes, category index entries, the file and tahap
 *    markers) is upserted where its stored value differs, each staged key probing kv's primary
 *    key (ON CONFLICT ... WHERE: an equal row is locked, not rewritten, so imports of one tahap
 *    take turns on its marker while uploads, which skip equal puts, never wait for it);
 * 3. category index entries a KPM left are deleted by key.
 * Statements 1 and 2 keep the recon_row / recon_pos projection of what they wrote themselves, in
 * the same statement, from columns staged beside each record (import-projection.ts, computed in
 * Node), with the kv triggers off for this transaction (migration 0005): the triggers parsed each
 * record again as jsonb, ~40% of the server's CPU per imported row. Deletes leave the triggers on.
 * Counter and settlement deltas go, as for every write, to one random shard each (kv.ts ShardSink).
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Flush } from '../level/db.ts';
import { projectionColumns, projectionCells } from './import-projection.ts';
import { flushOps, tableOf } from './kv.ts';

/** Characters of COPY text handed to the socket per write; bounds the staging buffer, not the chunk. */
export const copyWriteCharsMax = 1 << 20;

/** SQLSTATE of a serialization failure: the store's write loop retries the whole transaction. */
const serializationFailure = '40001';

/** COPY text format: backslash, tab, newline and carriage return escaped (JSON may hold `\`). */
export function copyText(value: string): string {
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyCell(cell: string | number | boolean | null): string {
  if (cell === null) return '\\N';
  if (typeof cell === 'boolean') return cell ? 't' : 'f';
  return typeof cell === 'number' ? String(cell) : copyText(cell);
}

function* copyLines(puts: readonly [string, string][], fresh: ReadonlySet<string>): Generator<string> {
  let buffer = '';
  for (const [key, value] of puts) {
    const cells = projectionCells(key, value).map(copyCell).join('\t');
    buffer += `${copyText(key)}\t${copyText(value)}\t${fresh.has(key) ? 't' : 'f'}\t${cells}\n`;
    if (buffer.length >= copyWriteCharsMax) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/** The staging table: each record, whether it is a planned new row, and its projection's columns. */
const stageColumns =
  'key text COLLATE "C" NOT NULL, value text NOT NULL, fresh boolean NOT NULL, tahap text, kpm_id text, ' +
  'bank text, reference text, region_code text, amount bigint, status text, rich boolean, place_bank text, ' +
  'place_region text, credited bigint, failed bigint, returned bigint';

async function stage(client: pg.ClientBase, puts: readonly [string, string][], fresh: ReadonlySet<string>) {
  // One round trip (simple query protocol: two statements). A retried transaction may find rows
  // of its failed attempt in a pooled session's table: TRUNCATE.
  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS import_stage_v5 (${stageColumns}) ON COMMIT DELETE ROWS; ` +
      'TRUNCATE import_stage_v5',
  );
  const columns = ['key', 'value', 'fresh', ...projectionColumns].join(', ');
  const copy = client.query(copyFrom(`COPY import_stage_v5 (${columns}) FROM STDIN`));
  await pipeline(Readable.from(copyLines(puts, fresh)), copy);
}

/**
 * One statement: `write` (an INSERT INTO kv from import_stage_v5) and the projection (recon_row /
 * recon_pos, migrations 0003..0005) of exactly the records it inserted or changed, from the
 * columns staged beside them (import-projection.ts), while this transaction has the kv triggers
 * off. Answers the records written.
 */
async function writeProjected(client: pg.ClientBase, write: string): Promise<number> {
  const res = await client.query<{ written: string }>(
    `WITH w AS (${write} RETURNING key), ` +
      's AS (SELECT * FROM import_stage_v5 WHERE key IN (SELECT key FROM w)), ' +
      'r AS (INSERT INTO recon_row SELECT key, tahap, kpm_id, bank, reference, region_code, amount, status ' +
      `FROM s WHERE key >= 'drow!' AND key < 'drow"' ON CONFLICT (key) DO UPDATE SET ` +
      'region_code = EXCLUDED.region_code, amount = EXCLUDED.amount, status = EXCLUDED.status), ' +
      'o AS (INSERT INTO recon_pos SELECT key, tahap, kpm_id, rich, place_bank, place_region, credited, failed, ' +
      `returned FROM s WHERE key >= 'pos!' AND key < 'pos"' ON CONFLICT (key) DO UPDATE SET rich = EXCLUDED.rich, ` +
      'place_bank = EXCLUDED.place_bank, place_region = EXCLUDED.place_region, credited = EXCLUDED.credited, ' +
      'failed = EXCLUDED.failed, returned = EXCLUDED.returned) ' +
      'SELECT count(*) AS written FROM w',
  );
  return Number(res.rows[0]?.written ?? 0);
}

/** Turns the kv projection triggers off (or back on) for the rest of this transaction only. */
async function projectionByCaller(client: pg.ClientBase, on: boolean): Promise<void> {
  await client.query("SELECT set_config('edc.recon_projection', $1, true)", [on ? 'caller' : '']);
}

async function merge(client: pg.ClientBase, freshCount: number): Promise<void> {
  await projectionByCaller(client, true);
  const inserted = await writeProjected(
    client,
    'INSERT INTO kv (key, value) SELECT key, value FROM import_stage_v5 WHERE fresh ON CONFLICT (key) DO NOTHING',
  );
  if (inserted !== freshCount)
    throw Object.assign(
      new Error(
        `Cannot store the import chunk: expected ${freshCount} new rows, ` +
          `found ${freshCount - inserted} stored meanwhile by another writer`,
      ),
      { code: serializationFailure },
    );
  // Each staged key probes kv's primary key (a join with kv was planned as a hash join over the
  // whole table: one full scan per chunk). An equal stored value is left as it is.
  await writeProjected(
    client,
    'INSERT INTO kv (key, value) SELECT key, value FROM import_stage_v5 WHERE NOT fresh ' +
      'ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE kv.value IS DISTINCT FROM EXCLUDED.value',
  );
  await projectionByCaller(client, false);
}

/**
 * The import's Flush: `fresh` names the keys planned as new rows (inserted, never overwritten).
 * Records of another table (none today) go through the ordinary flush.
 */
export function importFlush(client: pg.ClientBase, fresh: ReadonlySet<string>): Flush {
  return async (ops) => {
    const puts: [string, string][] = [];
    const dels: string[] = [];
    const other = new Map<string, string | null>();
    for (const [key, value] of ops) {
      if (tableOf(key) !== 'kv') other.set(key, value);
      else if (value === null) dels.push(key);
      else puts.push([key, value]);
    }
    if (dels.length > 0) await client.query('DELETE FROM kv WHERE key = ANY($1::text[])', [dels]);
    if (puts.length > 0) {
      await stage(client, puts, fresh);
      await merge(client, [...fresh].filter((key) => ops.get(key) != null).length);
    }
    if (other.size > 0) await flushOps(client, other);
  };
}
