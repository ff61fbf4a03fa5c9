/**
 * The PostgreSQL store's set-based recompute (store/pg/recompute.ts: plain KPMs grouped in SQL,
 * the rest classified in Node) against the LevelDB store's record-by-record recompute, on random
 * states built through the same store calls: both must give identical results (agreement, the
 * differences listed, KPM count, totals, settlements), before and after the same deliberate
 * corruption of stored positions and counters.
 */
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import type { LedgerEntry } from '../../../protocol/messages/index.ts';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { decodePosition, encodePosition } from '../../../gateway/store/level/position-codec.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import { migrate, quoteIdent } from '../../../gateway/store/pg/migrate.ts';
import { PgStore } from '../../../gateway/store/pg/store.ts';
import type { GatewayStore, ReconResult } from '../../../gateway/store/types.ts';
import { createPrng, type Prng } from '../../../simulators/common/prng.ts';
import { pgForTests, uniqueSchemaName } from '../../support/pg.ts';
import {
  newAgent,
  panOf,
  reversal,
  row,
  tahap,
  tempStore,
  testLimits,
  withdrawal,
  type TestAgent,
} from '../helpers.ts';

const db = await pgForTests('recompute-agree');
afterAll(() => db.drop());

const kpmIds = Array.from({ length: 60 }, (_, i) => `KPM-${String(i + 1).padStart(4, '0')}`);
const regions = ['3201010001', '3201010002', '3273010001'];
const banks = ['BRI', 'BNI'] as const;

interface Stores {
  level: LevelStore;
  pg: PgStore;
  both: GatewayStore[];
  keys: GatewayKeys;
}

/** Disbursement rows: 0..2 per KPM, random bank, region, amount and status (some KPMs none). */
async function addRows(s: Stores, rng: Prng): Promise<void> {
  const rows = [];
  for (const kpmId of kpmIds) {
    const n = rng.pick([0, 1, 1, 1, 2]);
    for (let j = 0; j < n; j++) {
      const status = rng.pick(['credited', 'credited', 'credited', 'failed', 'returned'] as const);
      rows.push(
        row(kpmId, rng.int(1, 6) * 100_000, {
          bank: rng.pick(banks),
          regionCode: rng.pick(regions),
          status,
          reference: `R${j}-${rng.int(0, 9)}-${kpmId}`,
          line: rows.length + 2,
        }),
      );
    }
  }
  for (const store of s.both) await store.applyDisbursements(rows, { fileSha256: 'a'.repeat(64), now: 1 });
}

/** Two agents, each serving a random half of the KPMs, with one issued set each. */
async function addAgents(s: Stores, rng: Prng): Promise<{ agent: TestAgent; setId: string }[]> {
  const out = [];
  for (const [i, agentId] of ['AGT-A', 'AGT-B'].entries()) {
    const agent = newAgent(agentId);
    const served = kpmIds.filter((_, j) => j % 2 === i || rng.chance(0.1));
    const lookupKey = toBase64(Uint8Array.from({ length: 32 }, (_, b) => (b * 7 + i) & 0xff));
    const setId = `01J${agentId.slice(-1)}000000000000000000000`.slice(0, 26);
    const granted = served.filter(() => rng.chance(0.9)).map((kpmId) => ({ kpmId, remaining: 400_000 }));
    for (const store of s.both) {
      agent.record = await store.addAgent(
        { agentId, publicKey: agent.publicKey, bank: banks[i]!, regionCode: regions[i]!, kpmIds: served },
        { move: true, now: 1_000, lookupKey },
      );
      await store.recordEntitlementSet({
        setId,
        agentId,
        tahap,
        issuedAt: 1_000,
        notBefore: 0,
        expiresAt: 10_000_000,
        basedOnSeq: 0,
        limits: testLimits,
        entitlements: granted,
      });
    }
    out.push({ agent, setId });
  }
  return out;
}

/** Withdrawals (own card or another's, named set or an unknown one) and a few reversals. */
async function addEntries(s: Stores, rng: Prng, agents: { agent: TestAgent; setId: string }[]): Promise<void> {
  for (const { agent, setId } of agents) {
    const entries: LedgerEntry[] = [];
    for (let n = 0; n < 25; n++) {
      const kpmId = rng.pick(kpmIds);
      const w = withdrawal(agent, s.keys, {
        kpmId,
        amount: rng.int(1, 5) * 100_000,
        pan: rng.chance(0.9) ? panOf(kpmId) : panOf(rng.pick(kpmIds)),
        ...(rng.chance(0.9) ? { setId } : {}),
      });
      entries.push(w);
      if (rng.chance(0.15)) entries.push(reversal(agent, w));
    }
    for (const store of s.both) expect((await store.ingest(agent.agentId, entries, 3_000)).kind).toBe('accepted');
  }
}

function comparable(r: ReconResult) {
  return {
    agree: r.agree,
    differences: r.differences,
    kpmCount: r.kpmCount,
    totals: r.totals,
    settlements: r.settlements,
  };
}

describe.skipIf(!db.available)('set-based PostgreSQL recompute agrees with the LevelDB recompute', () => {
  for (const seed of [1, 2, 3]) {
    it(`gives identical results on random state ${seed}, before and after the same corruption`, async () => {
      const t = await tempStore();
      const schema = uniqueSchemaName(`agree${seed}`);
      const url = new URL(db.url);
      url.searchParams.set('schema', schema);
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await migrate(admin, schema);
      const pgStore = await PgStore.open({ url: url.toString(), ...t.keys, tahapClosesAt: {} });
      const s = { level: t.store, pg: pgStore, both: [t.store, pgStore], keys: t.keys };
      try {
        const rng = createPrng(seed);
        await addRows(s, rng);
        await addEntries(s, rng, await addAgents(s, rng));
        const before = [await s.level.reconcile(tahap, 10), await s.pg.reconcile(tahap, 10)];
        expect(before[0]!.agree).toBe(true);
        expect(comparable(before[1]!)).toEqual(comparable(before[0]!));

        await s.level.close();
        const level = new ClassicLevel<string, string>(join(t.dir, 'store'), {
          keyEncoding: 'utf8',
          valueEncoding: 'utf8',
        });
        const corruptions = await corruptionsFor(level);
        for (const [key, value] of corruptions) {
          if (value === null) await level.del(key);
          else await level.put(key, value);
          if (value === null) await admin.query(`DELETE FROM ${quoteIdent(schema)}.kv WHERE key = $1`, [key]);
          else await admin.query(`UPDATE ${quoteIdent(schema)}.kv SET value = $2 WHERE key = $1`, [key, value]);
        }
        await level.close();
        s.level = await LevelStore.open({ path: join(t.dir, 'store'), ...t.keys, tahapClosesAt: {} });
        const after = [await s.level.reconcile(tahap, 20), await s.pg.reconcile(tahap, 20)];
        expect(after[0]!.agree).toBe(false);
        expect(after[0]!.differences.length).toBe(1 + plainCorruptions.length);
        expect(comparable(after[1]!)).toEqual(comparable(after[0]!));
      } finally {
        await s.level.close().catch(() => undefined);
        await pgStore.close();
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
        await admin.end();
        await t.cleanup();
      }
    });
  }
});

type Pos = ReturnType<typeof decodePosition>;

/** Each changes one rows-only position with a credited row; null: the position is deleted. */
const plainCorruptions: ((pos: Pos, rich: Pos) => Pos | null)[] = [
  (pos) => ({ ...pos, rows: pos.rows.map((r) => ({ ...r, amount: r.amount + 1_000 })) }),
  (pos) => ({ ...pos, rows: pos.rows.map((r) => ({ ...r, regionCode: '3273010009' })) }),
  (pos) => ({ ...pos, rows: pos.rows.map((r) => ({ ...r, status: 'failed' as const })) }),
  () => null,
  (pos, rich) => ({ ...pos, withdrawals: rich.withdrawals.slice(0, 1) }),
];

/**
 * Changes to stored positions only (the raw records stay): rows-only KPMs changed where
 * classification reads (credited amount, place, status, a withdrawal that is not in the raw
 * records) or deleted, and a KPM with withdrawals losing its first one.
 */
async function corruptionsFor(level: ClassicLevel<string, string>): Promise<[string, string | null][]> {
  const out: [string, string | null][] = [];
  let rich: Pos | undefined;
  const plain: [string, Pos][] = [];
  for await (const [key, value] of level.iterator({ gt: `pos!${tahap}!`, lt: `pos!${tahap}!\uffff` })) {
    const pos = decodePosition(key, JSON.parse(value));
    if (pos.withdrawals.length > 0 && rich === undefined) {
      rich = pos;
      out.push([key, JSON.stringify(encodePosition({ ...pos, withdrawals: pos.withdrawals.slice(1) }))]);
    } else if (pos.withdrawals.length === 0 && pos.rows.some((r) => r.status === 'credited')) plain.push([key, pos]);
  }
  if (rich === undefined || plain.length < plainCorruptions.length)
    throw new Error('random state too small (test bug)');
  plainCorruptions.forEach((change, i) => {
    const [key, pos] = plain[i * 2]!;
    const changed = change(pos, rich);
    // Half in the version 1 form (the RawFacts object) a store written before still holds.
    const stored = changed === null ? null : i % 2 === 0 ? encodePosition(changed) : changed;
    out.push([key, stored === null ? null : JSON.stringify(stored)]);
  });
  return out;
}
