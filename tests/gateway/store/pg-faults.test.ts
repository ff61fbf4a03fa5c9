/**
 * The PostgreSQL store (in process) under connection faults of its own (gateway/store/pg/README.md,
 * "Database faults"): a pool with no free connection refuses after poolConnectWaitMsMax with the
 * coded 503 instead of waiting without end, and a bank import chunk whose COMMIT is cut (through
 * a real wire-protocol proxy, tests/support/pg-proxy.ts) is refused as ambiguous; importing the
 * chunk again stores each row once, whether the cut chunk was committed or not.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisbursementRow } from '../../../gateway/import/types.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import { migrate, quoteIdent } from '../../../gateway/store/pg/migrate.ts';
import { PgStore, type PgStoreOptions } from '../../../gateway/store/pg/store.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { pgForTests, withPgClient } from '../../support/pg.ts';
import { PgFaultProxy } from '../../support/pg-proxy.ts';
import { newAgent, panOf, row, tahap, withdrawal } from '../helpers.ts';

const db = await pgForTests('pg-faults-store');
const keys = generateGatewayKeys();
let proxy: PgFaultProxy | undefined;

beforeAll(async () => {
  if (!db.available) return;
  await withPgClient(db.url, (c) => migrate(c, db.schema));
  const target = new URL(db.url);
  proxy = await PgFaultProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
});

afterAll(async () => {
  await proxy?.close();
  await db.drop();
});

function open(options: Partial<PgStoreOptions> = {}, through?: PgFaultProxy): Promise<PgStore> {
  const url = new URL(db.url);
  if (through !== undefined) url.host = `127.0.0.1:${through.port}`;
  url.searchParams.set('schema', db.schema);
  return PgStore.open({ url: url.toString(), ...keys, tahapClosesAt: {}, ...options });
}

function rows(prefix: string, count: number): DisbursementRow[] {
  return Array.from({ length: count }, (_, i) =>
    row(`KPM-${prefix}-${String(i).padStart(3, '0')}`, 300_000 + i, { line: i + 2, reference: `${prefix}${i}` }),
  );
}

const storedRows = (prefix: string) =>
  withPgClient(db.url, async (c) => {
    const res = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quoteIdent(db.schema)}.recon_row WHERE kpm_id LIKE $1`,
      [`KPM-${prefix}-%`],
    );
    return Number(res.rows[0]!.n);
  });

describe.skipIf(!db.available)('the PostgreSQL store under connection faults', () => {
  it('no free pool connection within poolConnectWaitMsMax: the coded 503, and the pool serves again', async () => {
    const store = await open({ poolConnectionsMax: 1, poolConnectWaitMsMax: 300 });
    try {
      const agent = newAgent('AGT-POOL');
      agent.record = await store.addAgent(
        { agentId: 'AGT-POOL', publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: [] },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      const entry = withdrawal(agent, keys, { kpmId: 'KPM-POOL-0', amount: 50_000, pan: panOf('KPM-POOL-0') });
      await withPgClient(db.url, async (c) => {
        // The test's own session holds the agent's row: the upload takes the only connection and waits.
        await c.query('BEGIN');
        await c.query(`SELECT key FROM ${quoteIdent(db.schema)}.kv WHERE key = $1 FOR UPDATE`, ['agent!AGT-POOL']);
        const upload = store.ingest('AGT-POOL', [entry], 2);
        await expect(store.head('AGT-POOL')).rejects.toMatchObject({
          code: 'EDC_ERR_STORE_UNREACHABLE',
          statusCode: 503,
          details: { ambiguous: false, retryAfterSeconds: 2, cause: 'timeout exceeded when trying to connect' },
        });
        await c.query('COMMIT');
        expect((await upload).kind).toBe('accepted');
      });
      expect((await store.head('AGT-POOL')).seq).toBe(1);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('opening while the server closes every connection: EDC_ERR_STORE_UNREACHABLE, then it opens', async () => {
    proxy!.refuse(true);
    try {
      await expect(open({}, proxy)).rejects.toMatchObject({ code: 'EDC_ERR_STORE_UNREACHABLE', statusCode: 503 });
    } finally {
      proxy!.refuse(false);
    }
    await (await open({}, proxy)).close();
  }, 30_000);

  it('an import chunk cut at its COMMIT or in its COPY: 503; importing it again stores each row once', async () => {
    const store = await open({}, proxy);
    const isImport = (statements: readonly string[]) => statements.some((s) => s.startsWith('COPY '));
    try {
      const fileSha256 = randomBytes(32).toString('hex');
      for (const [prefix, mode, committed] of [
        ['A', 'after-answer', 50],
        ['B', 'before-send', 0],
      ] as const) {
        const chunk = rows(prefix, 50);
        const cut = proxy!.armCommitCut({ mode, when: isImport });
        await expect(store.applyDisbursements(chunk, { fileSha256, now: 5 })).rejects.toMatchObject({
          code: 'EDC_ERR_STORE_UNREACHABLE',
          details: { ambiguous: true },
        });
        expect((await cut).serverSaid).toBe(mode === 'after-answer' ? 'COMMIT' : undefined);
        expect(await storedRows(prefix)).toBe(committed);
        // The operator runs the import again: the store's next connection is a fresh one.
        const again = await store.applyDisbursements(chunk, { fileSha256, now: 6 });
        expect([again.accepted, again.duplicates, again.conflicts]).toEqual([50 - committed, committed, 0]);
        expect(await storedRows(prefix)).toBe(50);
      }
      // Cut in the middle of a chunk's COPY: known not committed.
      const chunk = rows('C', 50);
      const cut = proxy!.armStatementCut((sql) => sql.startsWith('COPY '));
      await expect(store.applyDisbursements(chunk, { fileSha256, now: 7 })).rejects.toMatchObject({
        code: 'EDC_ERR_STORE_UNREACHABLE',
        details: { ambiguous: false },
      });
      await cut;
      expect(await storedRows('C')).toBe(0);
      const again = await store.applyDisbursements(chunk, { fileSha256, now: 8 });
      expect([again.accepted, again.duplicates]).toEqual([50, 0]);
      const recon = await store.reconcile(tahap, 9);
      // Every rupiah of the three chunks once: 3 x (50 x 300,000 + 0 + 1 + ... + 49).
      expect([recon.agree, recon.totals.disbursed]).toEqual([true, 3 * (15_000_000 + 1225)]);
    } finally {
      await store.close();
    }
  }, 30_000);
});
