/**
 * The LevelDB handle: opening (a held lock becomes EDC_ERR_STORE_LOCKED), JSON values, one
 * writer at a time, and synced batches. Writers are serialised because every upload and import
 * reads positions and counters and writes them back: two interleaved read-modify-writes would
 * lose an update. Reads need no lock (LevelDB reads see whole batches or nothing).
 */
import { ClassicLevel, type Snapshot } from 'classic-level';
import { ERR_STORE_CLOSED, ERR_STORE_CORRUPT, ERR_STORE_LOCKED } from '../../errors.ts';
import type { DayCounters, SettlementCounters, TahapCounters } from '../../recon/counters.ts';

/** The LevelDB handle itself (LevelStore owns it). */
export type LevelDb = ClassicLevel<string, string>;

export interface KvRangeOptions {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly reverse?: boolean;
  readonly limit?: number;
  readonly snapshot?: Snapshot;
  readonly highWaterMarkBytes?: number;
}

export interface KvIterator<T> extends AsyncIterable<T> {
  nextv(size: number): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The ordered key-value reads the record modules (agents, ingest, positions, queries, recompute)
 * make: LevelDB answers them natively; the PostgreSQL store (store/pg/) answers them from its
 * tables, inside the transaction or snapshot the caller runs in.
 */
export interface Db {
  readonly status: string;
  get(key: string, options?: { readonly snapshot?: Snapshot }): Promise<string | undefined>;
  getMany(keys: string[]): Promise<(string | undefined)[]>;
  iterator(options: KvRangeOptions): KvIterator<[string, string]>;
  keys(options: KvRangeOptions): AsyncIterable<string> & { all(): Promise<string[]> };
  values(options: KvRangeOptions): AsyncIterable<string>;
}

/** Writes a transaction's operations (null: delete), all or none. */
export type Flush = (ops: ReadonlyMap<string, string | null>) => Promise<void>;

/**
 * Where counter and settlement deltas go when a store keeps them apart from the other records
 * (PostgreSQL: sharded rows summed on read, no hot row); absent, apply.ts reads and writes the record.
 */
export interface CounterSink {
  addTahap(key: string, delta: TahapCounters): void;
  addSettlement(key: string, delta: SettlementCounters): void;
  addDay(key: string, delta: DayCounters): void;
}

export async function openDb(path: string): Promise<LevelDb> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (cause) {
    const code = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') {
      throw new ERR_STORE_LOCKED(
        `Cannot open the gateway store at ${path}: ` +
          'another process holds its lock (stop "edc-gateway serve" or use its HTTP routes)',
        { path },
        cause,
      );
    }
    throw cause;
  }
  return db;
}

export async function getJson<T>(db: Db, key: string): Promise<T | undefined> {
  if (db.status !== 'open') throw new ERR_STORE_CLOSED('Cannot read: the gateway store is closed');
  const text = await db.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ERR_STORE_CORRUPT(`Cannot read ${key}: stored value is not JSON`, { key }, cause);
  }
}

export function parseJson<T>(key: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ERR_STORE_CORRUPT(`Cannot read ${key}: stored value is not JSON`, { key }, cause);
  }
}

/** A savepoint of a Tx: the length of its undo journal when taken. */
export interface TxMark {
  readonly at: number;
}

/** A batch under construction that also serves reads of what it is about to write. */
export class Tx {
  readonly ops = new Map<string, string | null>();
  /**
   * Stored values read ahead by `prefetch` (undefined: absent). They stay true for the whole
   * transaction because it runs under the write lock: only its own ops (checked first) differ.
   */
  readonly #read = new Map<string, string | undefined>();
  /** Undo entries [key, value before the write (undefined: no op)], kept once a mark was taken. */
  #journal: Array<[string, string | null | undefined]> | undefined;
  constructor(
    readonly db: Db,
    private readonly flush: Flush,
    readonly counterSink?: CounterSink,
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const pending = this.ops.get(key);
    if (pending === null) return undefined;
    if (pending !== undefined) return parseJson<T>(key, pending);
    if (this.#read.has(key)) {
      const text = this.#read.get(key);
      return text === undefined ? undefined : parseJson<T>(key, text);
    }
    return getJson<T>(this.db, key);
  }

  /** Reads many keys in one call (a chunk of rows needs hundreds), so `get` finds them in memory. */
  async prefetch(keys: readonly string[]): Promise<void> {
    const wanted = [...new Set(keys)].filter((key) => !this.ops.has(key) && !this.#read.has(key));
    if (wanted.length === 0) return;
    if (this.db.status !== 'open') throw new ERR_STORE_CLOSED('Cannot read: the gateway store is closed');
    const values = await this.db.getMany(wanted);
    for (let i = 0; i < wanted.length; i++) this.#read.set(wanted[i]!, values[i]);
  }

  put(key: string, value: unknown): void {
    this.#set(key, JSON.stringify(value));
  }

  del(key: string): void {
    this.#set(key, null);
  }

  /**
   * A savepoint: `rollback(mark())` forgets every put and del made after it. An undo journal
   * (each write after the first mark records the value it replaced), not a copy of the ops: an
   * ingest group marks once per upload, and copying thousands of ops each time made the group
   * quadratic in its size (the ingest profile's largest self-time in db.ts, BENCHMARKS.md issue 13).
   */
  mark(): TxMark {
    this.#journal ??= [];
    return { at: this.#journal.length };
  }

  rollback(mark: TxMark): void {
    const journal = this.#journal;
    if (journal === undefined || mark.at > journal.length) throw new Error('Tx.rollback: not a mark of this Tx');
    for (let i = journal.length - 1; i >= mark.at; i--) {
      const [key, before] = journal[i]!;
      if (before === undefined) this.ops.delete(key);
      else this.ops.set(key, before);
    }
    journal.length = mark.at;
  }

  #set(key: string, value: string | null): void {
    this.#journal?.push([key, this.ops.get(key)]);
    this.ops.set(key, value);
  }

  async commit(): Promise<void> {
    if (this.ops.size === 0) return;
    await this.flush(this.ops);
  }
}

/**
 * One synced LevelDB write. A chained batch, because abstract-level's array form clones and
 * re-validates every operation (measured here: ~20 us per op against ~6 us chained), which was
 * most of an import's time.
 */
export function levelFlush(db: LevelDb): Flush {
  return async (ops) => {
    const batch = db.batch();
    try {
      for (const [key, value] of ops) {
        if (value === null) batch.del(key);
        else batch.put(key, value);
      }
    } catch (error) {
      await batch.close();
      throw error;
    }
    await batch.write({ sync: true });
  };
}

export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
