import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { k } from '../../../gateway/store/level/keys.ts';
import type { StoredPosition } from '../../../gateway/store/level/position.ts';
import { decodePosition, encodePosition } from '../../../gateway/store/level/position-codec.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  row,
  tahap,
  tempStore,
  withdrawal,
  type TempStore,
  type TestAgent,
} from '../helpers.ts';

describe('LevelStore.reconcile (full recompute)', () => {
  let t: TempStore;
  let store: LevelStore;
  let agent: TestAgent;

  beforeEach(async () => {
    t = await tempStore();
    store = t.store;
    agent = newAgent('AGT-R');
    await enroll(store, agent, ['KPM-0001', 'KPM-0002']);
    await store.applyDisbursements([row('KPM-0001', 500_000), row('KPM-0002', 300_000, { reference: 'R2' })], {
      fileSha256: 'f'.repeat(64),
      now: 1,
    });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await t.cleanup();
  });

  /** Rewrites one stored position behind the store's back (closed while it happens). */
  async function tamperPosition(kpmId: string, change: (pos: StoredPosition) => void): Promise<void> {
    await store.close();
    const db = new ClassicLevel<string, string>(join(t.dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    const pos = decodePosition(k.position(tahap, kpmId), JSON.parse((await db.get(k.position(tahap, kpmId)))!));
    change(pos);
    await db.put(k.position(tahap, kpmId), JSON.stringify(encodePosition(pos)));
    await db.close();
    store = await LevelStore.open({
      path: join(t.dir, 'store'),
      sealPublicKey: t.keys.sealPublicKey,
      sealSecretKey: t.keys.sealSecretKey,
      lookupKey: t.keys.lookupKey,
      tahapClosesAt: {},
    });
  }

  /** Writes (undefined: deletes) one record behind the store's back (closed while it happens). */
  async function tamperRecord(key: string, value: unknown): Promise<void> {
    await store.close();
    const db = new ClassicLevel<string, string>(join(t.dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    if (value === undefined) await db.del(key);
    else await db.put(key, JSON.stringify(value));
    await db.close();
    store = await LevelStore.open({
      path: join(t.dir, 'store'),
      sealPublicKey: t.keys.sealPublicKey,
      sealSecretKey: t.keys.sealSecretKey,
      lookupKey: t.keys.lookupKey,
      tahapClosesAt: {},
    });
  }

  it('reports a withdrawals-per-day record that differs from the recompute: a count changed, a day lost', async () => {
    const setId = await issueSet(store, agent);
    const pan = panOf('KPM-0001');
    const entries = [
      withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 100_000, pan, setId, localDate: '1121' }),
      withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 60_000, pan, setId, localDate: '1122' }),
    ];
    await ingestSegment(store, agent.record!, entries, 10);
    expect(await store.reconcile(tahap, 5)).toMatchObject({ agree: true, differences: [] });
    await tamperRecord(k.dayCounters(tahap, 'BRI', '1122'), { count: 2, amount: 60_000 });
    await tamperRecord(k.dayCounters(tahap, 'BRI', '1121'), undefined);
    const result = await store.reconcile(tahap, 6);
    expect(result.agree).toBe(false);
    expect(result.differences).toEqual(['days BRI/1122: count', 'days BRI/1121: amount, count']);
  });

  it('reports a KPM whose stored position classifies differently from its raw records', async () => {
    await tamperPosition('KPM-0002', (pos) => {
      pos.rows = pos.rows.map((r) => ({ ...r, status: 'failed' }));
    });
    const result = await store.reconcile(tahap, 5);
    expect(result.agree).toBe(false);
    expect(result.differences).toEqual(['position KPM-0002: continuous classification differs from recompute']);
  });

  it(
    'does not report a stored position whose facts differ only' +
      ' where classification does not look (a row line number)',
    async () => {
      await tamperPosition('KPM-0001', (pos) => {
        pos.rows = pos.rows.map((r) => ({ ...r, line: r.line + 40 }));
      });
      const result = await store.reconcile(tahap, 5);
      expect(result).toMatchObject({ agree: true, differences: [], kpmCount: 2 });
    },
  );

  it('reads a snapshot: an upload sent right after reconcile starts is stored, and is not in that result', async () => {
    const setId = await issueSet(store, agent);
    const entry = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001'), setId });
    const running = store.reconcile(tahap, 5);
    const upload = ingestSegment(store, agent.record!, [entry], 10);
    const [result] = await Promise.all([running, upload]);
    expect(result).toMatchObject({ agree: true, kpmCount: 2, inputs: { heads: {} } });
    expect(result.totals.withdrawalsByCategory.ok.count).toBe(0);
    const after = await store.reconcile(tahap, 6);
    expect(after).toMatchObject({ agree: true, inputs: { heads: { 'AGT-R': { seq: 1, hash: entry.hash } } } });
    expect(after.totals.withdrawalsByCategory.ok.count).toBe(1);
  });

  it(
    'applyDisbursements: within one chunk, a repeated row is a duplicate and a changed one a conflict;' +
      ' a second row of a KPM moves its position',
    async () => {
      const rows = [
        row('KPM-0003', 200_000, { reference: 'A' }),
        row('KPM-0003', 200_000, { reference: 'A' }),
        row('KPM-0003', 250_000, { reference: 'A', line: 9 }),
        row('KPM-0003', 100_000, { reference: 'B' }),
      ];
      expect(await store.applyDisbursements(rows, { fileSha256: 'e'.repeat(64), now: 2 })).toMatchObject({
        accepted: 2,
        duplicates: 1,
        conflicts: 1,
        conflictList: [{ line: 9 }],
      });
      expect(await store.summary(tahap, {})).toMatchObject({
        kpm: 3,
        credited: 1_100_000,
        kpmByCategory: { unclaimed: { count: 3 } },
      });
      expect((await store.reconcile(tahap, 5)).agree).toBe(true);
    },
  );

  it('reconcile on a closed store fails with EDC_ERR_STORE_CLOSED', async () => {
    await store.close();
    await expect(store.reconcile(tahap, 5)).rejects.toMatchObject({ code: 'EDC_ERR_STORE_CLOSED' });
  });

  it('close() lets a running reconcile finish and store its result', async () => {
    const running = store.reconcile(tahap, 5);
    const closing = store.close();
    const result = await running;
    await closing;
    expect(result.agree).toBe(true);
    store = await LevelStore.open({
      path: join(t.dir, 'store'),
      sealPublicKey: t.keys.sealPublicKey,
      sealSecretKey: t.keys.sealSecretKey,
      lookupKey: t.keys.lookupKey,
      tahapClosesAt: {},
    });
    expect((await store.reconResults(tahap, 5)).map((r) => r.id)).toEqual([result.id]);
  });
});
