/**
 * Counter records on the LevelDB store (store/level/counter-records.ts): bucket, rollup and
 * settlement records are written sparse (non-zero fields only); the dense form written before
 * (and by bench/lib/recon-load.ts) still reads the same and is rewritten sparse when next
 * changed; a damaged record of either form is EDC_ERR_STORE_CORRUPT, never summed as zero.
 */
import type { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySettlementCounters, emptyTahapCounters } from '../../../gateway/recon/counters.ts';
import { addTahapDeltaIntoTx } from '../../../gateway/store/level/bank-counters.ts';
import {
  checkSettlementCounters,
  checkTahapCounters,
  settlementCountersRecord,
  tahapCountersRecord,
} from '../../../gateway/store/level/counter-records.ts';
import { Tx, type Db } from '../../../gateway/store/level/db.ts';
import { k } from '../../../gateway/store/level/keys.ts';
import type { LevelStore } from '../../../gateway/store/level/store.ts';
import { row, tahap, tempStore, withRawLevel, type TempStore } from '../helpers.ts';

const corrupt = { code: 'EDC_ERR_STORE_CORRUPT' };

describe('counter record forms', () => {
  it('reads a dense and a sparse record of the same figures as equal', () => {
    const dense = emptyTahapCounters();
    dense.kpm = 2;
    dense.kpmByCategory.matched.count = 2;
    dense.withdrawalsByCategory.late = { count: 1, amount: 50 };
    const sparse = {
      kpm: 2,
      kpmByCategory: { matched: { count: 2 } },
      withdrawalsByCategory: { late: dense.withdrawalsByCategory.late },
    };
    expect(checkTahapCounters('ctr!T!B!1', JSON.parse(JSON.stringify(dense)))).toEqual(dense);
    expect(checkTahapCounters('ctr!T!B!1', sparse)).toEqual(dense);
    const stl = { ...emptySettlementCounters(), claimed: 5, payable: 5 };
    expect(checkSettlementCounters('stl!T!A', JSON.parse(JSON.stringify(stl)))).toEqual(stl);
    expect(checkSettlementCounters('stl!T!A', { claimed: 5, payable: 5 })).toEqual(stl);
  });

  it('an all-zero record is not written (undefined: deleted), since {} reads back as corrupt', () => {
    expect(tahapCountersRecord(emptyTahapCounters())).toBeUndefined();
    expect(settlementCountersRecord(emptySettlementCounters())).toBeUndefined();
    expect(() => checkSettlementCounters('stl!T!A', {})).toThrow(expect.objectContaining(corrupt));
    const stl = { ...emptySettlementCounters(), claimed: 5 };
    expect(checkSettlementCounters('stl!T!A', settlementCountersRecord(stl))).toEqual(stl);
  });

  it.each([
    ['dense with a text field', { ...emptyTahapCounters(), kpm: '2' }],
    ['dense with a fraction', { ...emptyTahapCounters(), credited: 1.5 }],
    ['dense with a field of another kind', { ...emptyTahapCounters(), claimed: 1 }],
    ['sparse with an unknown field', { kpm: 1, village: 3 }],
    ['sparse with an unknown category', { kpmByCategory: { nope: { count: 1 } } }],
    ['sparse with a category that is a number', { kpmByCategory: { matched: 1 } }],
    ['sparse and empty', {}],
    ['an array', [1, 2]],
    ['null', null],
  ])('refuses a bucket record %s as EDC_ERR_STORE_CORRUPT', (_name, value) => {
    expect(() => checkTahapCounters('ctr!T!B!1', value)).toThrow(expect.objectContaining(corrupt));
  });

  it.each([
    ['dense with a text field', { ...emptySettlementCounters(), payable: '1' }],
    ['sparse with a bucket field', { kpm: 1 }],
    ['sparse and empty', {}],
  ])('refuses a settlement record %s as EDC_ERR_STORE_CORRUPT', (_name, value) => {
    expect(() => checkSettlementCounters('stl!T!A', value)).toThrow(expect.objectContaining(corrupt));
  });
});

describe('addTahapDeltaIntoTx', () => {
  const key = 'ctr!T!BRI!1';
  const drawn = (n: number) => ({ ...emptyTahapCounters(), drawn: n, withdrawn: n });
  const txOver = (stored: unknown) =>
    new Tx({ status: 'open', get: () => Promise.resolve(JSON.stringify(stored)) } as unknown as Db, () =>
      Promise.resolve(),
    );

  it('adds into a sparse stored record and writes the sum sparse', async () => {
    const tx = txOver({ drawn: 5, withdrawn: 5 });
    await addTahapDeltaIntoTx(tx, key, drawn(2));
    expect(JSON.parse(tx.ops.get(key)!)).toEqual({ drawn: 7, withdrawn: 7 });
  });

  it('deletes a record whose sum is zero, from either stored form', async () => {
    for (const stored of [{ drawn: 5, withdrawn: 5 }, drawn(5)]) {
      const tx = txOver(stored);
      await addTahapDeltaIntoTx(tx, key, drawn(-5));
      expect(tx.ops.get(key)).toBeNull();
    }
  });
});

describe('LevelStore counter records', () => {
  let t: TempStore;
  let store: LevelStore;
  const options = { fileSha256: 'f'.repeat(64), now: 1 };
  const bucket = k.counters(tahap, 'BRI', '3273010001');

  beforeEach(async () => {
    t = await tempStore();
    store = t.store;
    await store.applyDisbursements([row('KPM-0001', 500_000, { regionCode: '3273010001' })], options);
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await t.cleanup();
  });

  const withRawDb = async (fn: (db: ClassicLevel<string, string>) => Promise<void>): Promise<void> => {
    store = await withRawLevel(t, store, fn);
  };

  it('writes bucket and rollup records sparse', async () => {
    await withRawDb(async (db) => {
      for (const key of [bucket, k.bankCounters(tahap, 'BRI')]) {
        const stored = JSON.parse((await db.get(key))!) as Record<string, unknown>;
        expect(stored).toMatchObject({ kpm: 1, disbursed: 500_000, credited: 500_000 });
        expect(stored).not.toHaveProperty('failed');
        expect(JSON.stringify(stored).length).toBeLessThan(200);
      }
    });
  });

  it('reads dense records written before, and rewrites them sparse when next changed', async () => {
    const before = await store.summary(tahap, {});
    await withRawDb(async (db) => {
      for (const key of [bucket, k.bankCounters(tahap, 'BRI')])
        await db.put(key, JSON.stringify(checkTahapCounters(key, JSON.parse((await db.get(key))!))));
    });
    expect(await store.summary(tahap, {})).toEqual(before);
    expect(await store.summary(tahap, { region: '3273' })).toEqual(before);
    expect((await store.reconcile(tahap, 5)).agree).toBe(true);
    await store.applyDisbursements([row('KPM-0002', 300_000, { reference: 'R2', regionCode: '3273010001' })], options);
    expect(await store.summary(tahap, {})).toMatchObject({ kpm: 2, disbursed: 800_000 });
    expect((await store.reconcile(tahap, 5)).agree).toBe(true);
    await withRawDb(async (db) => {
      expect(JSON.parse((await db.get(bucket))!)).not.toHaveProperty('failed');
    });
  });

  it('a damaged sparse bucket record fails the summary and the import with EDC_ERR_STORE_CORRUPT', async () => {
    await withRawDb(async (db) => {
      await db.put(bucket, JSON.stringify({ kpm: 1, village: 2 }));
    });
    await expect(store.summary(tahap, { region: '3273' })).rejects.toMatchObject(corrupt);
    const next = row('KPM-0003', 100_000, { reference: 'R3', regionCode: '3273010001' });
    await expect(store.applyDisbursements([next], options)).rejects.toMatchObject(corrupt);
  });
});
