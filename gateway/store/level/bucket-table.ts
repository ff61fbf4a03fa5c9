/**
 * The recompute's counters per bucket (bank x region code), as one growing array of numbers
 * (tahapSlotCount per bucket) beside a map from bucket name to slot: memory grows
 * with the number of buckets (banks x villages that have KPMs), never with KPMs, and about
 * 0.4 KB per bucket instead of a ~1 KB object each for the recompute and again for the stored
 * counters it is compared with (those are now streamed: see compareCounters). Beside them, the
 * claimed withdrawals per bank and local date (`days`, at most banks x withdrawalDaysPerBankMax).
 */
import type { Classification } from '../../recon/classify.ts';
import { addTahapContribution, tahapCountersAt, tahapSlotCount } from '../../recon/counter-slots.ts';
import {
  addDayCounters,
  dayContributions,
  tahapEntries,
  type DayCounters,
  type TahapCounters,
} from '../../recon/counters.ts';

const width = tahapSlotCount;

export class BucketTable {
  readonly #slots = new Map<string, number>();
  #values = new Float64Array(width * 1024);
  readonly totals = new Float64Array(width);
  /** By `bank/MMDD`. */
  readonly days = new Map<string, DayCounters>();

  get size(): number {
    return this.#slots.size;
  }

  #slotOf(name: string): number {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot = this.#slots.size;
      if ((slot + 1) * width > this.#values.length) {
        const grown = new Float64Array(this.#values.length * 2);
        grown.set(this.#values);
        this.#values = grown;
      }
      this.#slots.set(name, slot);
    }
    return slot;
  }

  add(c: Classification): void {
    const slot = this.#slotOf(`${c.bank}/${c.regionCode}`);
    addTahapContribution(this.#values, slot * width, c);
    addTahapContribution(this.totals, 0, c);
    if (c.withdrawals.length > 0) this.#addDays(c);
  }

  #addDays(c: Classification): void {
    for (const [localDate, contribution] of dayContributions(c)) {
      const name = `${c.bank}/${localDate}`;
      const day = this.days.get(name);
      if (day === undefined) this.days.set(name, contribution);
      else addDayCounters(day, contribution);
    }
  }

  /** Adds whole counters to bucket `name` (bank/region), as a group of KPMs classified together contributes. */
  addCounters(name: string, c: TahapCounters): void {
    const offset = this.#slotOf(name) * width;
    const entries = tahapEntries(c);
    for (let i = 0; i < width; i++) {
      this.#values[offset + i]! += entries[i]![1];
      this.totals[i]! += entries[i]![1];
    }
  }

  /** The counters of one bucket, undefined when no KPM fell in it. */
  get(name: string): TahapCounters | undefined {
    const slot = this.#slots.get(name);
    return slot === undefined ? undefined : tahapCountersAt(this.#values, slot * width);
  }

  names(): IterableIterator<string> {
    return this.#slots.keys();
  }

  totalCounters(): TahapCounters {
    return tahapCountersAt(this.totals, 0);
  }
}
