import { describe, expect, it } from 'vitest';
import { emptySettlementCounters, emptyTahapCounters } from '../../../gateway/recon/counters.ts';
import { MergingCounterSink } from '../../../gateway/store/level/counter-merge.ts';
import { checkSettlementCounters, checkTahapCounters } from '../../../gateway/store/level/counter-records.ts';
import { Tx, type Db } from '../../../gateway/store/level/db.ts';

/** A Tx over a fixed map of stored records; commits are captured, not written. */
function txOver(stored: Record<string, unknown>, sink: MergingCounterSink): Tx {
  const db = {
    status: 'open',
    get: (key: string) => Promise.resolve(key in stored ? JSON.stringify(stored[key]) : undefined),
    getMany: (keys: string[]) =>
      Promise.resolve(keys.map((key) => (key in stored ? JSON.stringify(stored[key]) : undefined))),
  } as unknown as Db;
  return new Tx(db, () => Promise.resolve(), sink);
}

const drawn = (n: number) => ({ ...emptyTahapCounters(), drawn: n, withdrawn: n });
const payable = (n: number) => ({ ...emptySettlementCounters(), claimed: n, payable: n });
/** A written record read back as the store reads it (counter-records.ts: stored sparse). */
const tahapOf = (tx: Tx, key: string) => checkTahapCounters(key, JSON.parse(tx.ops.get(key)!));
const settlementOf = (tx: Tx, key: string) => checkSettlementCounters(key, JSON.parse(tx.ops.get(key)!));

describe('MergingCounterSink (LevelDB ingest groups)', () => {
  it('merges the sum of many deltas into each stored record once, as adding them one by one would', async () => {
    const sink = new MergingCounterSink();
    const tx = txOver({ 'ctr!T!BRI!32': drawn(100), 'stl!T!AGT-A': payable(100) }, sink);
    for (let i = 1; i <= 50; i++) {
      sink.addTahap('ctr!T!BRI!32', drawn(i));
      sink.addSettlement('stl!T!AGT-A', payable(i));
      sink.addSettlement('stl!T!AGT-B', payable(1));
    }
    await sink.mergeInto(tx);
    expect(tahapOf(tx, 'ctr!T!BRI!32')).toEqual(drawn(100 + 1275));
    expect(JSON.parse(tx.ops.get('ctr!T!BRI!32')!)).toEqual({ drawn: 1375, withdrawn: 1375 });
    expect(settlementOf(tx, 'stl!T!AGT-A')).toEqual(payable(100 + 1275));
    expect(settlementOf(tx, 'stl!T!AGT-B')).toEqual(payable(50));
  });

  it("rollback(mark) forgets the deltas of a group's refused upload, and only those", async () => {
    const sink = new MergingCounterSink();
    const tx = txOver({}, sink);
    sink.addTahap('ctr!T!BRI!32', drawn(7));
    const mark = sink.mark();
    sink.addTahap('ctr!T!BRI!32', drawn(1000));
    sink.addSettlement('stl!T!AGT-A', payable(1000));
    sink.rollback(mark);
    sink.addTahap('ctr!T!BRI!32', drawn(3));
    await sink.mergeInto(tx);
    expect(tahapOf(tx, 'ctr!T!BRI!32')).toEqual(drawn(10));
    expect(tx.ops.has('stl!T!AGT-A')).toBe(false);
  });

  it('deletes a record whose merged sum is zero', async () => {
    const sink = new MergingCounterSink();
    const tx = txOver({ 'stl!T!AGT-A': payable(5) }, sink);
    sink.addSettlement('stl!T!AGT-A', { ...payable(-5) });
    await sink.mergeInto(tx);
    expect(tx.ops.get('stl!T!AGT-A')).toBeNull();
  });
});
