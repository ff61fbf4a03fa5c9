/**
 * The per-bank rollups of the bucket counters (store/level/bank-counters.ts) on the LevelDB
 * store: the unfiltered and bank-filtered summary read them, a region-filtered one the buckets;
 * a store that has none (written before they existed) gets them at open; a damaged rollup is a
 * difference the full recompute reports. (Both stores' rollups are held to the recompute by the
 * conformance suites and tests/gateway/store/recompute-agree.test.ts.)
 */
import type { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bankCountersMarkerKey } from '../../../gateway/store/level/bank-counters.ts';
import { k, range } from '../../../gateway/store/level/keys.ts';
import type { LevelStore } from '../../../gateway/store/level/store.ts';
import { row, tahap, tempStore, withRawLevel, type TempStore } from '../helpers.ts';

describe('LevelStore bank counter rollups', () => {
  let t: TempStore;
  let store: LevelStore;

  beforeEach(async () => {
    t = await tempStore();
    store = t.store;
    await store.applyDisbursements(
      [
        row('KPM-0001', 500_000),
        row('KPM-0002', 300_000, { reference: 'R2', regionCode: '3273010001' }),
        row('KPM-0003', 200_000, { reference: 'R3', bank: 'BNI', status: 'failed' }),
      ],
      { fileSha256: 'f'.repeat(64), now: 1 },
    );
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await t.cleanup();
  });

  const withRawDb = async (fn: (db: ClassicLevel<string, string>) => Promise<void>): Promise<void> => {
    store = await withRawLevel(t, store, fn);
  };

  it('summary() of the tahap and of one bank equal the sums of their region-filtered buckets', async () => {
    const whole = await store.summary(tahap, {});
    expect(whole).toMatchObject({ kpm: 3, disbursed: 1_000_000, credited: 800_000, failed: 200_000 });
    expect(await store.summary(tahap, { bank: 'BRI' })).toMatchObject({ kpm: 2, credited: 800_000 });
    expect(await store.summary(tahap, { bank: 'BNI' })).toMatchObject({ kpm: 1, failed: 200_000 });
    expect(await store.summary(tahap, { bank: 'BTN' })).toMatchObject({ kpm: 0, disbursed: 0 });
    expect(await store.summary(tahap, { region: '3' })).toEqual(whole);
    expect(await store.summary(tahap, { bank: 'BRI', region: '3273' })).toMatchObject({ kpm: 1, credited: 300_000 });
  });

  it('a store without rollups (written before they existed) gets them from its buckets at open', async () => {
    const before = await store.summary(tahap, {});
    await withRawDb(async (db) => {
      for await (const key of db.keys(range('ctrb'))) await db.del(key);
      await db.del(bankCountersMarkerKey);
    });
    expect(await store.summary(tahap, {})).toEqual(before);
    expect((await store.reconcile(tahap, 5)).agree).toBe(true);
  });

  it('reconcile reports a rollup that no longer equals its buckets', async () => {
    await withRawDb(async (db) => {
      const key = k.bankCounters(tahap, 'BNI');
      const ctr = JSON.parse((await db.get(key))!) as { failed: number };
      await db.put(key, JSON.stringify({ ...ctr, failed: ctr.failed + 1 }));
    });
    const result = await store.reconcile(tahap, 5);
    expect(result.agree).toBe(false);
    expect(result.differences).toEqual(['bank counters BNI: failed']);
  });
});
