/**
 * The LevelDB handle of a LevelStore, fail-stop. After a synced write fails (disk full, I/O error)
 * classic-level keeps accepting writes on the same handle that are not durable: a torn log record
 * makes LevelDB drop the rest of its log block at the next open, so uploads answered 200 after the
 * fault could vanish with a restart. So the first failed write latches the handle: that write and
 * every later read or write gets EDC_ERR_STORE_FAILED (503, Retry-After), the handle is closed
 * (nothing reads the memtable of a broken log), and a fresh handle is opened every
 * storeReopenIntervalMs until one opens. LevelDB's recovery then decides whether the failed batch is
 * in the store: either way the writer was told 503 and retries (an upload's entries are idempotent,
 * an import counts stored rows as duplicates, a staff step already taken answers 409).
 */
import { ERR_STORE_FAILED } from '../../errors.ts';
import { levelFlush, openDb, type Flush, type LevelDb, type WriteLock } from './db.ts';

/** How long a failed store waits before each attempt to open a fresh handle, ms. */
export const storeReopenIntervalMs = 1_000;
const retryAfterSeconds = 5;

export type LevelStoreFault =
  | { readonly kind: 'write-failed'; readonly error: unknown }
  | { readonly kind: 'reopen-failed'; readonly error: unknown }
  | { readonly kind: 'reopened' };

export interface LevelHandleOptions {
  readonly path: string;
  /** The store's write lock: a reopen runs under it, so no write sees the handle change. */
  readonly lock: WriteLock;
  /** Runs on each fresh handle before it is used (reload what the store caches); a throw keeps the store failed. */
  readonly reopened: (db: LevelDb) => Promise<void>;
  readonly onFault?: ((fault: LevelStoreFault) => void) | undefined;
}

export class LevelHandle {
  #db: LevelDb;
  #failure: InstanceType<typeof ERR_STORE_FAILED> | undefined;
  #closing: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    db: LevelDb,
    private readonly options: LevelHandleOptions,
  ) {
    this.#db = db;
  }

  /** The open handle; EDC_ERR_STORE_FAILED while the store is failed. */
  get db(): LevelDb {
    if (this.#failure !== undefined) throw this.#failure;
    return this.#db;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** One synced batch on the open handle; a failure latches the store (fail-stop). */
  readonly flush: Flush = async (ops) => {
    const db = this.db;
    try {
      await levelFlush(db)(ops);
    } catch (error) {
      throw this.fail(error);
    }
  };

  /** Latches the store after a failed write on its handle; the error to give the writer. */
  fail(cause: unknown): Error {
    if (this.#failure === undefined) {
      this.#failure = new ERR_STORE_FAILED(
        'Cannot use the gateway store: a write to it failed (disk full or I/O error); nothing after it is trusted ' +
          `and the store is reopened every ${storeReopenIntervalMs} ms; retry after ${retryAfterSeconds} s`,
        { retryAfterSeconds, path: this.options.path },
        cause,
      );
      this.options.onFault?.({ kind: 'write-failed', error: cause });
      const broken = this.#db;
      this.#closing = broken.close().catch(() => undefined);
      this.#schedule();
    }
    return this.#failure;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#reopen(), storeReopenIntervalMs);
    this.#timer.unref();
  }

  #reopen(): Promise<void> {
    return this.options.lock.run(async () => {
      if (this.#closed) return;
      await this.#closing;
      let db: LevelDb | undefined;
      try {
        db = await openDb(this.options.path);
        await this.options.reopened(db);
      } catch (error) {
        await db?.close().catch(() => undefined);
        this.options.onFault?.({ kind: 'reopen-failed', error });
        this.#schedule();
        return;
      }
      this.#db = db;
      this.#failure = undefined;
      this.options.onFault?.({ kind: 'reopened' });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#failure === undefined) await this.#db.close();
    else await this.#closing;
  }
}
