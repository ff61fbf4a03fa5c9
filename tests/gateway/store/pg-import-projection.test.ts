/**
 * The PostgreSQL import keeps the recompute's projection (recon_row / recon_pos) itself, set-wise,
 * with the kv triggers off for its transaction (migration 0005, gateway/store/pg/import.ts):
 * after imports mixing new, changed and conflicting rows, and an upload (the triggers' path)
 * after them, the projection equals recon_rebuild() over kv and the continuous figures equal the
 * recompute. And a schema populated at version 4 upgrades in place to 5 with the same answers.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { DisbursementRow } from '../../../gateway/import/types.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import { projectionCells } from '../../../gateway/store/pg/import-projection.ts';
import { migrate, quoteIdent } from '../../../gateway/store/pg/migrate.ts';
import { PgStore } from '../../../gateway/store/pg/store.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { pgForTests, uniqueSchemaName, withPgClient } from '../../support/pg.ts';
import { newAgent, panOf, row, tahap, withdrawal } from '../helpers.ts';

const db = await pgForTests('pg-import-projection');
afterAll(() => db.drop());
const keys = generateGatewayKeys();

const withClient = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => withPgClient(db.url, fn);

const dropSchema = (schema: string) =>
  withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));

function open(schema: string): Promise<PgStore> {
  const url = new URL(db.url);
  url.searchParams.set('schema', schema);
  return PgStore.open({ url: url.toString(), ...keys, tahapClosesAt: {} });
}

/** 120 rows over 80 KPMs in 6 regions, some failed or returned; amounts shifted by `bump`. */
function rows(from: number, count: number, bump = 0): DisbursementRow[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const status = i % 11 === 3 ? 'failed' : i % 13 === 5 ? 'returned' : 'credited';
    return row(`KPM-${String(i % 80).padStart(4, '0')}`, 100_000 + i * 10 + bump, {
      line: i + 2,
      reference: `R${i}`,
      regionCode: `32010100${10 + (i % 6)}`,
      status,
    });
  });
}

/** The projection as stored, and as recon_rebuild() makes it from kv (rolled back). */
async function projectionVsRebuild(schema: string): Promise<[unknown, unknown]> {
  return withClient(async (c) => {
    await c.query(`SET search_path TO ${quoteIdent(schema)}`);
    const read = async () => [
      (await c.query('SELECT * FROM recon_row ORDER BY key')).rows,
      (await c.query('SELECT * FROM recon_pos ORDER BY key')).rows,
    ];
    const stored = await read();
    await c.query('BEGIN');
    await c.query('SELECT recon_rebuild()');
    const rebuilt = await read();
    await c.query('ROLLBACK');
    return [stored, rebuilt];
  });
}

async function expectAgrees(store: PgStore): Promise<void> {
  const sum = await store.summary(tahap, {});
  const recon = await store.reconcile(tahap, 50);
  expect(recon.differences).toEqual([]);
  expect(recon.agree).toBe(true);
  expect(recon.totals).toEqual(sum);
}

/** A first file; a second of new rows, duplicates, conflicts and new rows of stored KPMs; then an upload. */
async function populate(store: PgStore, chunk: number): Promise<void> {
  const file = (c: string, now: number) => ({ fileSha256: c.repeat(64), now });
  const first = rows(0, 120);
  for (let i = 0; i < first.length; i += chunk) await store.applyDisbursements(first.slice(i, i + chunk), file('a', 1));
  const second = [...rows(100, 20), ...rows(90, 10, 7), ...rows(120, 60)];
  const out = await store.applyDisbursements(second, file('b', 2));
  expect(out).toMatchObject({ accepted: 60, duplicates: 20, conflicts: 10 });
  const a = newAgent('AGT-IMP');
  a.record = await store.addAgent(
    { agentId: a.agentId, publicKey: a.publicKey, bank: 'BRI', regionCode: '3201010010', kpmIds: ['KPM-0000'] },
    { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
  );
  const entry = withdrawal(a, keys, { kpmId: 'KPM-0000', amount: 50_000, pan: panOf('KPM-0000') });
  expect((await store.ingest(a.agentId, [entry], 10)).kind).toBe('accepted');
}

describe.skipIf(!db.available)('PgStore import keeps the recompute projection set-wise (migration 0005)', () => {
  it('mixed new, changed and conflicting rows: projection equals a rebuild, continuous equals recompute', async () => {
    const schema = uniqueSchemaName('impproj');
    await withClient((c) => migrate(c, schema));
    const store = await open(schema);
    try {
      await populate(store, 25);
      const [stored, rebuilt] = await projectionVsRebuild(schema);
      expect((stored as unknown[][])[0]).toHaveLength(180);
      expect(stored).toEqual(rebuilt);
      await expectAgrees(store);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('a schema populated at version 4 migrates in place to 5: same summary and recompute, imports go on', async () => {
    const schema = uniqueSchemaName('up04');
    await withClient((c) => migrate(c, schema, 4));
    // The store opens only on the version it knows: a row claims 5 while the data are written
    // under version 4's triggers (which then also keep the projection), and is taken away after.
    const claim = `INSERT INTO ${quoteIdent(schema)}.schema_migrations (version, name) VALUES (5, 'claimed')`;
    await withClient((c) => c.query(claim));
    let store = await open(schema);
    await populate(store, 40);
    const before = await store.summary(tahap, {});
    await store.close();
    await withClient((c) => c.query(`DELETE FROM ${quoteIdent(schema)}.schema_migrations WHERE version = 5`));
    expect(await withClient((c) => migrate(c, schema))).toEqual([5]);
    store = await open(schema);
    try {
      expect(await store.summary(tahap, {})).toEqual(before);
      await expectAgrees(store);
      const out = await store.applyDisbursements([...rows(170, 20), ...rows(180, 30, 3)], {
        fileSha256: 'c'.repeat(64),
        now: 3,
      });
      expect(out).toMatchObject({ accepted: 30, duplicates: 10, conflicts: 10 });
      const [stored, rebuilt] = await projectionVsRebuild(schema);
      expect(stored).toEqual(rebuilt);
      await expectAgrees(store);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it("Node's projection of a record equals recon_row_of / recon_pos_of for every shape they read", async () => {
    const schema = uniqueSchemaName('projcells');
    await withClient((c) => migrate(c, schema));
    const drow = (v: object) => ['drow!2026-IV!KPM-1!BRI!REF!with!bangs', JSON.stringify(v)] as const;
    const pos = (v: unknown) => ['pos!2026-IV!KPM-1', JSON.stringify(v)] as const;
    const r1 = { bank: 'BRI', reference: 'B9', regionCode: '3201', amount: 5, status: 'credited' };
    const r2 = { bank: 'BNI', reference: 'A1', regionCode: '3202', amount: 7, status: 'failed' };
    const cases = [
      drow({ regionCode: '3201', amount: 100, status: 'credited' }),
      drow({ regionCode: '3201', amount: 100, status: 'failed', settlement: { state: 'returned' } }),
      drow({ regionCode: '3201', amount: 100, status: 'failed', settlement: { state: 'redisbursed' } }),
      drow({ regionCode: '3201', amount: 100, status: 'failed', settlement: { state: 'pending' } }),
      pos({ rows: [r1, r2, { ...r1, reference: 'B0', status: 'returned' }] }),
      pos({ rows: [r1], withdrawals: [{}], reversals: [] }),
      pos({ rows: [], reversals: [{}] }),
      pos({}),
      pos([
        2,
        [
          ['BRI', 'B9', '3201', 5, 'credited'],
          ['BRI', 'B1', '3209', 9, 'returned'],
        ],
      ]),
      pos([2, [['BRI', 'Z', '3201', 5, 'credited']], [{}]]),
      pos([2, [], [], [{}]]),
    ];
    try {
      await withClient(async (c) => {
        await c.query(`SET search_path TO ${quoteIdent(schema)}`);
        for (const [key, value] of cases) {
          const fn = key.startsWith('drow!') ? 'recon_row_of' : 'recon_pos_of';
          const sql = await c.query({
            text: `SELECT * FROM ${fn}($1, $2::jsonb)`,
            values: [key, value],
            rowMode: 'array',
          });
          const cells = projectionCells(key, value).filter((_, i) =>
            key.startsWith('drow!') ? i < 7 : i < 2 || i >= 7,
          );
          const expected = (sql.rows[0] as unknown[])
            .slice(1)
            .map((x) => (typeof x === 'string' && /^[0-9]+$/.test(x) ? Number(x) : x));
          expect([key, ...cells.map((x) => (typeof x === 'string' && /^[0-9]+$/.test(x) ? Number(x) : x))]).toEqual([
            key,
            ...expected,
          ]);
        }
      });
    } finally {
      await dropSchema(schema);
    }
  });
});
