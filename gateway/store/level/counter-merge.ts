/**
 * Counter and settlement deltas of a LevelDB write summed in memory and merged into their stored
 * records once, at the end: an ingest group of 64 uploads x 100 entries otherwise read, parsed,
 * added and re-serialised the same few counter records thousands of times (apply.ts; the
 * largest cost left after the reads in the ingest profile, BENCHMARKS.md issue 13). The same
 * records result: sum(stored, d1, ..., dn) = ((stored + d1) + ...) + dn; a record summing to
 * zero is deleted as apply.ts does. mark/rollback follow Tx's, for a group's failed upload.
 */
import {
  addSettlementCounters,
  addTahapCounters,
  emptySettlementCounters,
  emptyTahapCounters,
  isZeroSettlement,
  isZeroTahap,
  type SettlementCounters,
  type TahapCounters,
} from '../../recon/counters.ts';
import { checkSettlementCounters, checkTahapCounters } from './counter-records.ts';
import type { CounterSink, Tx } from './db.ts';

export interface MergeMark {
  readonly tahap: Map<string, TahapCounters>;
  readonly settlement: Map<string, SettlementCounters>;
}

export class MergingCounterSink implements CounterSink {
  #tahap = new Map<string, TahapCounters>();
  #settlement = new Map<string, SettlementCounters>();

  addTahap(key: string, delta: TahapCounters): void {
    let sum = this.#tahap.get(key);
    if (sum === undefined) this.#tahap.set(key, (sum = emptyTahapCounters()));
    addTahapCounters(sum, delta);
  }

  addSettlement(key: string, delta: SettlementCounters): void {
    let sum = this.#settlement.get(key);
    if (sum === undefined) this.#settlement.set(key, (sum = emptySettlementCounters()));
    addSettlementCounters(sum, delta);
  }

  /** A savepoint (deep copies: the sums are added to in place). Few keys: a tahap's buckets and agents touched. */
  mark(): MergeMark {
    return { tahap: structuredClone(this.#tahap), settlement: structuredClone(this.#settlement) };
  }

  rollback(mark: MergeMark): void {
    this.#tahap = structuredClone(mark.tahap);
    this.#settlement = structuredClone(mark.settlement);
  }

  /** Adds every sum to its stored record in tx (one read and one put or delete per key). */
  async mergeInto(tx: Tx): Promise<void> {
    await tx.prefetch([...this.#tahap.keys(), ...this.#settlement.keys()]);
    for (const [key, delta] of this.#tahap) {
      const stored = await tx.get<unknown>(key);
      const ctr = stored === undefined ? emptyTahapCounters() : checkTahapCounters(key, stored);
      addTahapCounters(ctr, delta);
      if (isZeroTahap(ctr)) tx.del(key);
      else tx.put(key, ctr);
    }
    for (const [key, delta] of this.#settlement) {
      const stored = await tx.get<unknown>(key);
      const stl = stored === undefined ? emptySettlementCounters() : checkSettlementCounters(key, stored);
      addSettlementCounters(stl, delta);
      if (isZeroSettlement(stl)) tx.del(key);
      else tx.put(key, stl);
    }
    this.#tahap.clear();
    this.#settlement.clear();
  }
}
