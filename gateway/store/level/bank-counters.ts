/**
 * Per-(tahap, bank) rollups of the bucket counters (`ctrb!T!bank`), kept in the same transaction
 * as the buckets (apply.ts) so that the summary a dashboard asks most (a whole tahap, or one
 * bank) reads at most one record per bank instead of every bank x village bucket (thousands of
 * records at a national tahap). A summary filtered by region still sums the buckets. The full
 * recompute compares the rollups too (recompute.ts compareCounters). A store written before the
 * rollups existed gets them once, at open, summed from its buckets (rebuildBankCountersIntoTx).
 */
import { addTahapCounters, emptyTahapCounters, type TahapCounters } from '../../recon/counters.ts';
import type { BucketDelta } from '../../recon/project.ts';
import { checkTahapCounters, parseTahapCounters, tahapCountersRecord } from './counter-records.ts';
import type { Tx } from './db.ts';
import { k, range, sep } from './keys.ts';

/** Present once the store's rollups are complete (written by the rebuild, or by a fresh store). */
export const bankCountersMarkerKey = 'meta!bank-counters';

/** Adds a counters delta to one stored counters record (bucket or rollup), or to the store's sink. */
export async function addTahapDeltaIntoTx(tx: Tx, key: string, delta: TahapCounters): Promise<void> {
  if (tx.counterSink !== undefined) {
    tx.counterSink.addTahap(key, delta);
    return;
  }
  const stored = await tx.get<unknown>(key);
  // A new record is the delta itself (not changed here: the caller may still sum it into a rollup).
  const ctr = stored === undefined ? delta : checkTahapCounters(key, stored);
  if (stored !== undefined) addTahapCounters(ctr, delta);
  // One pass finds it zero and encodes it (a bucket per KPM on an import, so this is per-row work).
  const record = tahapCountersRecord(ctr);
  if (record === undefined) tx.del(key);
  else tx.put(key, record);
}

/** The bucket deltas of one change summed per bank. */
export function bankDeltas(counters: readonly BucketDelta[]): Map<string, TahapCounters> {
  const out = new Map<string, TahapCounters>();
  for (const b of counters) {
    let sum = out.get(b.bank);
    if (sum === undefined) out.set(b.bank, (sum = emptyTahapCounters()));
    addTahapCounters(sum, b.delta);
  }
  return out;
}

/** Writes the rollups from the buckets when the store has none yet; true when it wrote them. */
export async function rebuildBankCountersIntoTx(tx: Tx): Promise<boolean> {
  if ((await tx.get<unknown>(bankCountersMarkerKey)) !== undefined) return false;
  const sums = new Map<string, TahapCounters>();
  for await (const [key, value] of tx.db.iterator(range('ctr'))) {
    const [, tahap = '', bank = ''] = key.split(sep);
    const rollup = k.bankCounters(tahap, bank);
    let sum = sums.get(rollup);
    if (sum === undefined) sums.set(rollup, (sum = emptyTahapCounters()));
    addTahapCounters(sum, parseTahapCounters(key, value));
  }
  for (const [key, sum] of sums) await addTahapDeltaIntoTx(tx, key, sum);
  tx.put(bankCountersMarkerKey, 1);
  return true;
}
