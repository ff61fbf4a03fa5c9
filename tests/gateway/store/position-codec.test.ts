import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { k, range } from '../../../gateway/store/level/keys.ts';
import { decodePosition, encodePosition } from '../../../gateway/store/level/position-codec.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import type { RawFacts } from '../../../gateway/recon/facts.ts';
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

const key = k.position(tahap, 'KPM-0009');

function richFacts(): RawFacts {
  const rawRow = {
    bank: 'BRI',
    reference: 'R1',
    regionCode: '3374061009',
    amount: 600_000,
    status: 'credited' as const,
    line: 7,
    panSealed: '~AAEsealed',
    panHmac: 'a'.repeat(64),
    fileSha256: 'f'.repeat(64),
  };
  return {
    tahap,
    kpmId: 'KPM-0009',
    rows: [rawRow, { ...rawRow, reference: 'R2', status: 'failed', line: 8 }],
    withdrawals: [],
    reversals: [{ agentId: 'AGT-1', seq: 3, reverses: 'E2', reversesSeq: 2, amount: 100_000, source: 'chain' }],
    resolutions: [],
  };
}

describe('position-codec (pos!T!kpm, version 2)', () => {
  it('decodes what it encodes, leaving out the key and trailing empty lists', () => {
    const facts = richFacts();
    const stored = JSON.parse(JSON.stringify(encodePosition(facts))) as unknown[];
    expect(stored).toHaveLength(4);
    expect(stored[0]).toBe(2);
    expect(JSON.stringify(stored)).not.toContain('KPM-0009');
    expect(decodePosition(key, stored)).toEqual(facts);
    const rowsOnly = { ...facts, reversals: [] };
    expect(encodePosition(rowsOnly)).toHaveLength(2);
    expect(decodePosition(key, JSON.parse(JSON.stringify(encodePosition(rowsOnly))))).toEqual(rowsOnly);
  });

  it('reads a version 1 record (the RawFacts object), with or without resolutions', () => {
    const facts = richFacts();
    expect(decodePosition(key, JSON.parse(JSON.stringify(facts)))).toEqual(facts);
    const { resolutions: _r, ...older } = facts;
    expect(decodePosition(key, older)).toEqual(facts);
  });

  it('is smaller than version 1 for a rows-only KPM by at least 150 bytes', () => {
    const facts = { ...richFacts(), reversals: [], rows: richFacts().rows.slice(0, 1) };
    const v1 = JSON.stringify(facts).length;
    const v2 = JSON.stringify(encodePosition(facts)).length;
    expect(v1 - v2).toBeGreaterThanOrEqual(150);
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['another version', [3, []]],
    ['a short row', [2, [['BRI', 'R1']]]],
    ['a row with a text amount', [2, [['BRI', 'R1', '33', '600000', 'credited', 7, 's', 'h', 'f']]]],
    ['a row with an unknown status', [2, [['BRI', 'R1', '33', 600_000, 'paid', 7, 's', 'h', 'f']]]],
    ['withdrawals that are not a list', [2, [], {}]],
    ['an object without rows', { tahap, kpmId: 'KPM-0009', withdrawals: [], reversals: [] }],
  ])('refuses %s with EDC_ERR_STORE_CORRUPT naming the key', (_name, stored) => {
    expect(() => decodePosition(key, stored)).toThrow(expect.objectContaining({ code: 'EDC_ERR_STORE_CORRUPT' }));
    expect(() => decodePosition(key, stored)).toThrow(/pos!2026-IV!KPM-0009/);
  });
});

describe('a LevelDB store whose positions were written in version 1', () => {
  let t: TempStore;
  let store: LevelStore;
  let agent: TestAgent;

  beforeEach(async () => {
    t = await tempStore();
    store = t.store;
    agent = newAgent('AGT-V1');
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

  /** Runs `fn` on the store's LevelDB behind its back (closed while it happens), then reopens it. */
  async function behindTheStore<T>(fn: (db: ClassicLevel<string, string>) => Promise<T>): Promise<T> {
    await store.close();
    const db = new ClassicLevel<string, string>(join(t.dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    try {
      return await fn(db);
    } finally {
      await db.close();
      store = await LevelStore.open({ path: join(t.dir, 'store'), ...t.keys, tahapClosesAt: {} });
    }
  }

  /** Rewrites every position in the version 1 form, as a store of an earlier version held them. */
  const downgradePositions = () =>
    behindTheStore(async (db) => {
      for await (const [posKey, value] of db.iterator(range('pos', tahap)))
        await db.put(posKey, JSON.stringify(decodePosition(posKey, JSON.parse(value))));
    });

  const storedForm = (kpmId: string) =>
    behindTheStore(async (db) => JSON.parse((await db.get(k.position(tahap, kpmId)))!) as unknown);

  it('opens, reconciles in agreement, and writes version 2 when a position next changes', async () => {
    await downgradePositions();
    expect(Array.isArray(await storedForm('KPM-0001'))).toBe(false);
    expect(await store.reconcile(tahap, 5)).toMatchObject({ agree: true, differences: [], kpmCount: 2 });
    const setId = await issueSet(store, agent);
    const entry = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 200_000, pan: panOf('KPM-0001'), setId });
    await ingestSegment(store, agent.record!, [entry], 10);
    const written = (await storedForm('KPM-0001')) as [number, unknown[][], { amount: number }[]];
    expect([written[0], written[1][0]![0], written[2][0]!.amount]).toEqual([2, 'BRI', 200_000]);
    expect(Array.isArray(await storedForm('KPM-0002'))).toBe(false);
    const result = await store.reconcile(tahap, 20);
    expect(result).toMatchObject({ agree: true, differences: [], kpmCount: 2 });
    expect(result.totals.withdrawalsByCategory.ok).toEqual({ count: 1, amount: 200_000 });
  });
});
