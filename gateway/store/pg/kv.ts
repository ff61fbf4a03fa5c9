/**
 * The store's records in PostgreSQL, read and written by their keys (gateway/store/level/keys.ts)
 * so that the record modules of store/level/ (agents, ingest, positions, queries, recompute) run
 * unchanged inside a PostgreSQL transaction. Keys are routed by their first component: chain!
 * to `chain` (unique agent + seq), head! to `chain_head` (the row an upload locks), ctr! and stl!
 * ctrb! (bank rollups) and dctr! to `counter_shard` (sharded, summed on read), everything else to `kv`.
 */
import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { ERR_STORE_CLOSED } from '../../errors.ts';
import {
  addDayCounters,
  addSettlementCounters,
  addTahapCounters,
  emptyDayCounters,
  emptySettlementCounters,
  emptyTahapCounters,
  isZeroDay,
  isZeroSettlement,
  isZeroTahap,
  type DayCounters,
  type SettlementCounters,
  type TahapCounters,
} from '../../recon/counters.ts';
import { addStoredCounters, sparseCounters } from '../level/counter-records.ts';
import { parseJson, type CounterSink, type Db, type KvIterator, type KvRangeOptions } from '../level/db.ts';

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Shards per counter or settlement record; a transaction adds its deltas to one, chosen at random. */
export const counterShards = 16;
/** Rows one range read fetches per query. */
export const rangePageRowsMax = 1000;

type Table = 'kv' | 'chain' | 'chain_head' | 'counter_shard';

function prefixOf(key: string): string {
  const at = key.indexOf('!');
  return at < 0 ? key : key.slice(0, at);
}

export function tableOf(key: string): Table {
  switch (prefixOf(key)) {
    case 'chain':
      return 'chain';
    case 'head':
      return 'chain_head';
    case 'ctr':
    case 'ctrb':
    case 'stl':
    case 'dctr':
      return 'counter_shard';
    default:
      return 'kv';
  }
}

type AnyCounters = TahapCounters | SettlementCounters | DayCounters;

/** How each kind of counter record (by key prefix) starts, is summed and found zero. */
interface CounterKind<C extends AnyCounters> {
  empty(): C;
  add(into: C, from: C): void;
  isZero(c: C): boolean;
}

const tahapKind: CounterKind<TahapCounters> = {
  empty: emptyTahapCounters,
  add: (into, from) => addTahapCounters(into, from),
  isZero: isZeroTahap,
};
const settlementKind: CounterKind<SettlementCounters> = {
  empty: emptySettlementCounters,
  add: (into, from) => addSettlementCounters(into, from),
  isZero: isZeroSettlement,
};
const dayKind: CounterKind<DayCounters> = {
  empty: emptyDayCounters,
  add: (into, from) => addDayCounters(into, from),
  isZero: isZeroDay,
};

function kindOf(key: string): CounterKind<AnyCounters> {
  const prefix = prefixOf(key);
  if (prefix === 'ctr' || prefix === 'ctrb') return tahapKind;
  if (prefix === 'stl') return settlementKind;
  return dayKind;
}

/*
 * A shard's value is its counters without their zero fields (a village bucket's dense record is
 * about 1.3 KB, nearly all zeros, and an import writes one shard row per bucket it touches: that
 * upsert was the largest statement of an import chunk). Read back by adding it into the kind's
 * empty record (store/level/counter-records.ts, as LevelDB reads its records): dense values written
 * before keep reading the same way; a field the empty record lacks, or a value that is not a safe
 * integer, is EDC_ERR_STORE_CORRUPT, never summed as zero. A shard whose sum is zero is deleted.
 */

/** Adds one stored shard value (sparse, or dense as written before) into `sum`. */
function addShard(key: string, sum: AnyCounters, text: string): void {
  addStoredCounters(key, sum as unknown as Record<string, unknown>, parseJson<unknown>(key, text));
}

/** A stored counter record's shards summed; undefined when they sum to zero (as LevelDB deletes it). */
function sumShards(key: string, values: readonly string[]): string | undefined {
  const kind = kindOf(key);
  const sum = kind.empty();
  for (const v of values) addShard(key, sum, v);
  return kind.isZero(sum) ? undefined : JSON.stringify(sum);
}

interface Bounds {
  lower: { op: '>' | '>='; key: string } | undefined;
  upper: { op: '<' | '<='; key: string } | undefined;
}

function boundsOf(o: KvRangeOptions): Bounds {
  const lower =
    o.gt !== undefined
      ? { op: '>' as const, key: o.gt }
      : o.gte !== undefined
        ? { op: '>=' as const, key: o.gte }
        : undefined;
  const upper =
    o.lt !== undefined
      ? { op: '<' as const, key: o.lt }
      : o.lte !== undefined
        ? { op: '<=' as const, key: o.lte }
        : undefined;
  return { lower, upper };
}

class PgRange implements KvIterator<[string, string]> {
  readonly #table: Table;
  readonly #bounds: Bounds;
  #remaining: number;
  #done = false;

  constructor(
    private readonly kv: PgKv,
    private readonly options: KvRangeOptions,
  ) {
    this.#bounds = boundsOf(options);
    const anchor = this.#bounds.lower?.key ?? this.#bounds.upper?.key;
    if (anchor === undefined) throw new RangeError('A PostgreSQL store range needs a bound');
    this.#table = tableOf(anchor);
    this.#remaining = options.limit === undefined || options.limit < 0 ? Infinity : options.limit;
  }

  async nextv(size: number): Promise<[string, string][]> {
    const out: [string, string][] = [];
    while (!this.#done && out.length === 0) out.push(...(await this.#page(Math.min(size, this.#remaining))));
    return out;
  }

  async #page(size: number): Promise<[string, string][]> {
    if (size <= 0) return ((this.#done = true), []);
    const { lower, upper } = this.#bounds;
    const where: string[] = [];
    const params: unknown[] = [];
    if (lower !== undefined) where.push(`key ${lower.op} $${params.push(lower.key)}`);
    if (upper !== undefined) where.push(`key ${upper.op} $${params.push(upper.key)}`);
    const order = this.options.reverse === true ? 'DESC' : 'ASC';
    const cond = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const counters = this.#table === 'counter_shard';
    const limit = `LIMIT $${params.push(size)}`;
    const sql = counters
      ? `SELECT key, array_agg(value) AS vals FROM counter_shard ${cond} GROUP BY key ORDER BY key ${order} ${limit}`
      : `SELECT key, value FROM ${this.#table} ${cond} ORDER BY key ${order} ${limit}`;
    const res = await this.kv.query<{ key: string; value?: string; vals?: string[] }>(sql, params);
    if (res.rows.length < size) this.#done = true;
    const last = res.rows.at(-1)?.key;
    if (last !== undefined) {
      if (this.options.reverse === true) this.#bounds.upper = { op: '<', key: last };
      else this.#bounds.lower = { op: '>', key: last };
    }
    this.#remaining -= res.rows.length;
    if (this.#remaining <= 0) this.#done = true;
    const out: [string, string][] = [];
    for (const row of res.rows) {
      const value = counters ? sumShards(row.key, row.vals ?? []) : row.value;
      if (value !== undefined) out.push([row.key, value]);
    }
    return out;
  }

  close(): Promise<void> {
    this.#done = true;
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<[string, string]> {
    for (;;) {
      const rows = await this.nextv(rangePageRowsMax);
      if (rows.length === 0) return;
      yield* rows;
    }
  }
}

/**
 * Reads by key over one connection: a pool (each query on its own) or a client inside a
 * transaction (reads at its snapshot, seen by its serialization checks). The `snapshot` option
 * of the LevelDB reads is ignored: the transaction is the snapshot.
 */
export class PgKv implements Db {
  constructor(
    private readonly conn: Queryable,
    private readonly isOpen: () => boolean = () => true,
  ) {}

  get status(): string {
    return this.isOpen() ? 'open' : 'closed';
  }

  query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    if (!this.isOpen()) throw new ERR_STORE_CLOSED('Cannot read: the gateway store is closed');
    return this.conn.query<R>(sql, params);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    const byTable = new Map<Table, string[]>();
    for (const key of keys) {
      const table = tableOf(key);
      // push, not a spread copy per key: that was quadratic in the keys (70% of a 10,000-row import chunk's CPU).
      let wanted = byTable.get(table);
      if (wanted === undefined) byTable.set(table, (wanted = []));
      wanted.push(key);
    }
    const found = new Map<string, string | undefined>();
    for (const [table, wanted] of byTable) {
      if (table === 'counter_shard') {
        const res = await this.query<{ key: string; vals: string[] }>(
          'SELECT key, array_agg(value) AS vals FROM counter_shard WHERE key = ANY($1::text[]) GROUP BY key',
          [wanted],
        );
        for (const r of res.rows) found.set(r.key, sumShards(r.key, r.vals));
      } else {
        const res = await this.query<{ key: string; value: string }>(
          `SELECT key, value FROM ${table} WHERE key = ANY($1::text[])`,
          [wanted],
        );
        for (const r of res.rows) found.set(r.key, r.value);
      }
    }
    return keys.map((key) => found.get(key));
  }

  iterator(options: KvRangeOptions): KvIterator<[string, string]> {
    return new PgRange(this, options);
  }

  keys(options: KvRangeOptions): AsyncIterable<string> & { all(): Promise<string[]> } {
    const range = new PgRange(this, options);
    const iterate = async function* (): AsyncGenerator<string> {
      for await (const [key] of range) yield key;
    };
    return {
      [Symbol.asyncIterator]: iterate,
      all: async () => {
        const out: string[] = [];
        for await (const key of iterate()) out.push(key);
        return out;
      },
    };
  }

  values(options: KvRangeOptions): AsyncIterable<string> {
    const range = new PgRange(this, options);
    return {
      [Symbol.asyncIterator]: async function* () {
        for await (const [, value] of range) yield value;
      },
    };
  }
}

function chainColumns(key: string): { agentId: string; seq: number } {
  const [, agentId = '', seq = ''] = key.split('!');
  return { agentId, seq: Number(seq) };
}

/**
 * Writes a transaction's puts and deletes. A put equal to the stored value is skipped (positions
 * re-put a tahap marker on every change: skipping it keeps replicas from conflicting on it).
 * Chain entries are plain inserts: a second entry at one (agent, seq) fails the transaction.
 */
export async function flushOps(conn: Queryable, ops: ReadonlyMap<string, string | null>): Promise<void> {
  const puts = new Map<Table, Map<string, string>>();
  const dels = new Map<Table, string[]>();
  for (const [key, value] of ops) {
    const table = tableOf(key);
    if (table === 'counter_shard') throw new RangeError(`Counter ${key} must go through the counter sink`);
    if (value === null) {
      let keys = dels.get(table);
      if (keys === undefined) dels.set(table, (keys = []));
      keys.push(key); // push, not a spread copy per key (quadratic), as in getMany
    } else puts.set(table, (puts.get(table) ?? new Map<string, string>()).set(key, value));
  }
  for (const [table, keys] of dels) await conn.query(`DELETE FROM ${table} WHERE key = ANY($1::text[])`, [keys]);
  for (const [table, rows] of puts) {
    const held = await conn.query<{ key: string; value: string }>(
      `SELECT key, value FROM ${table} WHERE key = ANY($1::text[])`,
      [[...rows.keys()]],
    );
    for (const r of held.rows) if (rows.get(r.key) === r.value) rows.delete(r.key);
    if (rows.size > 0) await insertRows(conn, table, rows);
  }
}

async function insertRows(conn: Queryable, table: Table, rows: ReadonlyMap<string, string>): Promise<void> {
  const keys = [...rows.keys()];
  const values = [...rows.values()];
  if (table === 'chain') {
    const cols = keys.map(chainColumns);
    await conn.query(
      'INSERT INTO chain (key, agent_id, seq, value) ' +
        'SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])',
      [keys, cols.map((c) => c.agentId), cols.map((c) => c.seq), values],
    );
  } else if (table === 'chain_head') {
    await conn.query(
      'INSERT INTO chain_head (key, agent_id, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ' +
        'ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [keys, keys.map((key) => key.slice('head!'.length)), values],
    );
  } else {
    await conn.query(
      `INSERT INTO ${table} (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ` +
        'ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [keys, values],
    );
  }
}

/** A transaction's counter and settlement deltas, added to one random shard of each record at commit. */
export class ShardSink implements CounterSink {
  readonly #tahap = new Map<string, TahapCounters>();
  readonly #settlement = new Map<string, SettlementCounters>();
  readonly #day = new Map<string, DayCounters>();

  addTahap(key: string, delta: TahapCounters): void {
    const sum = this.#tahap.get(key) ?? emptyTahapCounters();
    addTahapCounters(sum, delta);
    this.#tahap.set(key, sum);
  }

  addSettlement(key: string, delta: SettlementCounters): void {
    const sum = this.#settlement.get(key) ?? emptySettlementCounters();
    addSettlementCounters(sum, delta);
    this.#settlement.set(key, sum);
  }

  addDay(key: string, delta: DayCounters): void {
    const sum = this.#day.get(key) ?? emptyDayCounters();
    addDayCounters(sum, delta);
    this.#day.set(key, sum);
  }

  async flush(conn: Queryable): Promise<void> {
    const deltas = new Map<string, AnyCounters>([...this.#tahap, ...this.#settlement, ...this.#day]);
    for (const [key, d] of deltas) if (kindOf(key).isZero(d)) deltas.delete(key);
    if (deltas.size === 0) return;
    const shard = randomInt(counterShards);
    const keys = [...deltas.keys()].sort();
    const held = await conn.query<{ key: string; value: string }>(
      'SELECT key, value FROM counter_shard WHERE shard = $1 AND key = ANY($2::text[]) ORDER BY key FOR UPDATE',
      [shard, keys],
    );
    const stored = new Map(held.rows.map((r) => [r.key, r.value]));
    const put: [string, string][] = [];
    const del: string[] = [];
    for (const key of keys) {
      const text = addStored(key, stored.get(key), deltas.get(key)!);
      if (text === undefined) del.push(key);
      else put.push([key, text]);
    }
    if (del.length > 0)
      await conn.query('DELETE FROM counter_shard WHERE shard = $1 AND key = ANY($2::text[])', [shard, del]);
    if (put.length > 0)
      await conn.query(
        'INSERT INTO counter_shard (key, shard, value) ' +
          'SELECT k, $1, v FROM unnest($2::text[], $3::text[]) AS t(k, v) ' +
          'ON CONFLICT (key, shard) DO UPDATE SET value = EXCLUDED.value',
        [shard, put.map((p) => p[0]), put.map((p) => p[1])],
      );
  }
}

function addStored(key: string, stored: string | undefined, delta: AnyCounters): string | undefined {
  const kind = kindOf(key);
  const sum = kind.empty();
  if (stored !== undefined) addShard(key, sum, stored);
  kind.add(sum, delta);
  return kind.isZero(sum) ? undefined : JSON.stringify(sparseCounters(sum as unknown as Record<string, unknown>));
}
