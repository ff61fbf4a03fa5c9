/**
 * Counter, settlement and day-counter deltas of a LevelDB write summed in memory and merged into their stored
 * records once, at the end: an ingest group of 64 uploads x 100 entries otherwise read, parsed,
 * added and re-serialised the same few counter records thousands of times (apply.ts; the
 * largest cost left after the reads in the ingest profile, BENCHMARKS.md issue 13). The same
 * records result: sum(stored, d1, ..., dn) = ((stored + d1) + ...) + dn; a record summing to
 * zero is deleted as apply.ts does. mark/rollback follow Tx's, for a group's failed upload.
 */
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
import {
  checkDayCounters,
  checkSettlementCounters,
  checkTahapCounters,
  settlementCountersRecord,
  tahapCountersRecord,
} from './counter-records.ts';
import type { CounterSink, Tx } from './db.ts';

/** How one kind of counter record is summed, checked when read, and found empty. */
interface Kind<C> {
  readonly empty: () => C;
  readonly add: (into: C, from: C) => void;
  readonly check: (key: string, stored: unknown) => C;
  readonly isZero: (c: C) => boolean;
  /** The record as written (counter-records.ts: sparse for buckets and settlements). */
  readonly record: (c: C) => unknown;
}

const tahapKind: Kind<TahapCounters> = {
  empty: emptyTahapCounters,
  add: (into, from) => addTahapCounters(into, from),
  check: checkTahapCounters,
  isZero: isZeroTahap,
  record: tahapCountersRecord,
};
const settlementKind: Kind<SettlementCounters> = {
  empty: emptySettlementCounters,
  add: (into, from) => addSettlementCounters(into, from),
  check: checkSettlementCounters,
  isZero: isZeroSettlement,
  record: settlementCountersRecord,
};
const dayKind: Kind<DayCounters> = {
  empty: emptyDayCounters,
  add: (into, from) => addDayCounters(into, from),
  check: checkDayCounters,
  isZero: isZeroDay,
  record: (c) => c,
};

/** Sums of one kind by record key. */
class Sums<C> {
  #sums = new Map<string, C>();
  constructor(readonly kind: Kind<C>) {}

  add(key: string, delta: C): void {
    let sum = this.#sums.get(key);
    if (sum === undefined) this.#sums.set(key, (sum = this.kind.empty()));
    this.kind.add(sum, delta);
  }

  /** A deep copy (the sums are added to in place). Few keys: a tahap's buckets, days and agents touched. */
  mark(): Map<string, C> {
    return structuredClone(this.#sums);
  }

  rollback(mark: Map<string, C>): void {
    this.#sums = structuredClone(mark);
  }

  keys(): string[] {
    return [...this.#sums.keys()];
  }

  /** Adds every sum to its stored record in tx (one read and one put or delete per key). */
  async mergeInto(tx: Tx): Promise<void> {
    for (const [key, delta] of this.#sums) {
      const stored = await tx.get<unknown>(key);
      const record = stored === undefined ? this.kind.empty() : this.kind.check(key, stored);
      this.kind.add(record, delta);
      if (this.kind.isZero(record)) tx.del(key);
      else tx.put(key, this.kind.record(record));
    }
    this.#sums.clear();
  }
}

export interface MergeMark {
  readonly tahap: Map<string, TahapCounters>;
  readonly settlement: Map<string, SettlementCounters>;
  readonly day: Map<string, DayCounters>;
}

export class MergingCounterSink implements CounterSink {
  readonly #tahap = new Sums(tahapKind);
  readonly #settlement = new Sums(settlementKind);
  readonly #day = new Sums(dayKind);

  addTahap(key: string, delta: TahapCounters): void {
    this.#tahap.add(key, delta);
  }

  addSettlement(key: string, delta: SettlementCounters): void {
    this.#settlement.add(key, delta);
  }

  addDay(key: string, delta: DayCounters): void {
    this.#day.add(key, delta);
  }

  /** A savepoint for one upload of a group. */
  mark(): MergeMark {
    return { tahap: this.#tahap.mark(), settlement: this.#settlement.mark(), day: this.#day.mark() };
  }

  rollback(mark: MergeMark): void {
    this.#tahap.rollback(mark.tahap);
    this.#settlement.rollback(mark.settlement);
    this.#day.rollback(mark.day);
  }

  /** Adds every sum to its stored record in tx, reading them all in one call first. */
  async mergeInto(tx: Tx): Promise<void> {
    await tx.prefetch([...this.#tahap.keys(), ...this.#settlement.keys(), ...this.#day.keys()]);
    await this.#tahap.mergeInto(tx);
    await this.#settlement.mergeInto(tx);
    await this.#day.mergeInto(tx);
  }
}
