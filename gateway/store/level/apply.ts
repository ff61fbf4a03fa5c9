/**
 * Applies a projection's changes (recon/project.ts) into a LevelDB batch: category index records
 * removed then put, and each counter and settlement delta added to the stored record (a bucket,
 * its bank's rollup (bank-counters.ts), a settlement or a day that sums to zero is deleted, so the
 * key space holds only what has figures), or handed to the transaction's counter sink when its
 * store keeps counters apart (store/pg/).
 */
import {
  addDayCounters,
  addSettlementCounters,
  emptyDayCounters,
  emptySettlementCounters,
  isZeroDay,
} from '../../recon/counters.ts';
import type { ReconChanges } from '../../recon/project.ts';
import { addTahapDeltaIntoTx, bankDeltas } from './bank-counters.ts';
import { checkDayCounters, checkSettlementCounters, settlementCountersRecord } from './counter-records.ts';
import type { Tx } from './db.ts';
import { k } from './keys.ts';

export async function applyChanges(tx: Tx, changes: ReconChanges): Promise<void> {
  const { tahap } = changes;
  for (const r of changes.kpmIndex.remove) tx.del(k.kpmCategory(tahap, r.category, r.kpmId));
  for (const v of changes.kpmIndex.put) tx.put(k.kpmCategory(tahap, v.category, v.kpmId), v);
  for (const r of changes.withdrawalIndex.remove)
    tx.del(k.withdrawalCategory(tahap, r.category, r.agentId, r.seq, r.ref));
  for (const v of changes.withdrawalIndex.put)
    tx.put(k.withdrawalCategory(tahap, v.category, v.agentId, v.seq, v.ref), v);
  for (const b of changes.counters) await addTahapDeltaIntoTx(tx, k.counters(tahap, b.bank, b.regionCode), b.delta);
  for (const [bank, delta] of bankDeltas(changes.counters))
    await addTahapDeltaIntoTx(tx, k.bankCounters(tahap, bank), delta);
  for (const s of changes.settlements) {
    const key = k.settlement(tahap, s.agentId);
    if (tx.counterSink !== undefined) {
      tx.counterSink.addSettlement(key, s.delta);
      continue;
    }
    const stored = await tx.get<unknown>(key);
    const stl = stored === undefined ? emptySettlementCounters() : checkSettlementCounters(key, stored);
    addSettlementCounters(stl, s.delta);
    const record = settlementCountersRecord(stl);
    if (record === undefined) tx.del(key);
    else tx.put(key, record);
  }
  await applyDays(tx, changes);
}

async function applyDays(tx: Tx, changes: ReconChanges): Promise<void> {
  const { tahap } = changes;
  for (const r of changes.dayIndex.remove) tx.del(k.dayWithdrawal(tahap, r.localDate, r.bank, r.agentId, r.seq, r.ref));
  for (const v of changes.dayIndex.put) tx.put(k.dayWithdrawal(tahap, v.localDate, v.bank, v.agentId, v.seq, v.ref), v);
  for (const d of changes.days) {
    const key = k.dayCounters(tahap, d.bank, d.localDate);
    if (tx.counterSink !== undefined) {
      tx.counterSink.addDay(key, d.delta);
      continue;
    }
    const stored = await tx.get<unknown>(key);
    const day = stored === undefined ? emptyDayCounters() : checkDayCounters(key, stored);
    addDayCounters(day, d.delta);
    if (isZeroDay(day)) tx.del(key);
    else tx.put(key, day);
  }
}
