/**
 * A forward cursor over one key range that reads entries in batches (one native call and one
 * await per batchEntriesMax entries, not per entry) and exposes the current entry
 * synchronously, so a merge over several ranges awaits only when a batch runs out. Keys of
 * the ranges the recompute merges are `prefix!tahap!kpmId[!...]`: the cursor cuts the kpmId
 * out once per entry.
 */
import type { Snapshot } from 'classic-level';
import type { Db } from './db.ts';

export const cursorBatchEntriesMax = 1000;
const highWaterMarkBytes = 1 << 20;

export class BatchCursor {
  readonly #it: { nextv(size: number): Promise<[string, string][]>; close(): Promise<void> };
  readonly #kpmStart: number;
  #batch: (readonly [string, string])[] = [];
  #at = 0;
  #ended = false;
  /** The next batch, asked for as soon as the current one arrives, so reading overlaps classifying. */
  #ahead: Promise<[string, string][]> | undefined;
  key: string | undefined;
  value = '';
  kpmId = '';

  constructor(db: Db, range: { gt: string; lt: string }, snapshot: Snapshot | undefined) {
    this.#it = db.iterator({ ...range, highWaterMarkBytes, ...(snapshot === undefined ? {} : { snapshot }) });
    this.#kpmStart = range.gt.length;
  }

  /** True when `fill()` must be awaited before `key` is meaningful. */
  get needsFill(): boolean {
    return this.#at >= this.#batch.length && !this.#ended;
  }

  async fill(): Promise<void> {
    this.#batch = await (this.#ahead ?? this.#it.nextv(cursorBatchEntriesMax));
    this.#ahead = undefined;
    this.#at = 0;
    if (this.#batch.length === 0) {
      this.#ended = true;
      this.key = undefined;
      await this.#it.close();
      return;
    }
    this.#ahead = this.#it.nextv(cursorBatchEntriesMax);
    this.#ahead.catch(() => undefined); // awaited (and so thrown) by the next fill
    this.#take();
  }

  /** Moves to the next entry; afterwards check `needsFill`. */
  advance(): void {
    this.#at += 1;
    if (this.#at < this.#batch.length) this.#take();
    else this.key = undefined;
  }

  async close(): Promise<void> {
    await this.#ahead?.catch(() => undefined);
    if (!this.#ended) await this.#it.close();
    this.#ended = true;
  }

  #take(): void {
    const [key, value] = this.#batch[this.#at]!;
    const end = key.indexOf('!', this.#kpmStart);
    this.key = key;
    this.value = value;
    this.kpmId = end === -1 ? key.slice(this.#kpmStart) : key.slice(this.#kpmStart, end);
  }
}
