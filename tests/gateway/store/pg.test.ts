/**
 * The PostgreSQL store against the same conformance suites as the LevelDB store (a second
 * factory: each store a fresh schema of its own), and its own rules: migrations under an
 * advisory lock, the schema version checked at open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import { knownSchemaVersion, migrate, migrations, quoteIdent } from '../../../gateway/store/pg/migrate.ts';
import { PgStore } from '../../../gateway/store/pg/store.ts';
import { pgForTests, uniqueSchemaName, withPgClient } from '../../support/pg.ts';
import { describeStoreConformance, type StoreHandle, type StoreOptions } from './conformance.ts';
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { newAgent, panOf, row, tahap, withdrawal } from '../helpers.ts';
import { emptyTahapCounters } from '../../../gateway/recon/counters.ts';

const db = await pgForTests('pg-store');
afterAll(() => db.drop());

function urlFor(schema: string): string {
  const url = new URL(db.url);
  url.searchParams.set('schema', schema);
  return url.toString();
}

const withClient = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => withPgClient(db.url, fn);

async function openPg(options: StoreOptions): Promise<StoreHandle> {
  const schema = uniqueSchemaName('conf');
  await withClient((c) => migrate(c, schema));
  const openAt = (tahapClosesAt: Readonly<Record<string, number>>) =>
    PgStore.open({
      url: urlFor(schema),
      sealPublicKey: options.keys.sealPublicKey,
      sealSecretKey: options.keys.sealSecretKey,
      lookupKey: options.keys.lookupKey,
      tahapClosesAt,
      nonceEntriesMax: options.nonceEntriesMax,
      evidenceEntriesPerAgentMax: options.evidenceEntriesPerAgentMax,
    });
  let store = await openAt(options.tahapClosesAt);
  return {
    get store() {
      return store;
    },
    restart: async ({ tahapClosesAt }) => {
      await store.close();
      store = await openAt(tahapClosesAt);
    },
    destroy: async () => {
      await store.close().catch(() => undefined);
      await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
    },
  };
}

describe.skipIf(!db.available)('PgStore', () => {
  describeStoreConformance('PgStore', openPg);

  it('replicas share data keys: first opens make one, one rotates, the other loads it on use', async () => {
    const keys = generateGatewayKeys();
    const schema = uniqueSchemaName('dkey');
    await withClient((c) => migrate(c, schema));
    const openReplica = () => PgStore.open({ url: urlFor(schema), ...keys, tahapClosesAt: {} });
    const [a, b] = await Promise.all([openReplica(), openReplica()]);
    try {
      expect((await a.listDataKeys()).map((d) => d.keyId)).toEqual([1]);
      expect((await b.listDataKeys()).map((d) => d.keyId)).toEqual([1]);
      expect(await a.rotateDataKey(7)).toMatchObject({ keyId: 2, sealing: true });
      await a.applyDisbursements([row('KPM-0001', 100_000)], { fileSha256: 'a'.repeat(64), now: 1 });
      const sealed = await withClient((c) =>
        c.query<{ value: string }>(`SELECT value FROM ${quoteIdent(schema)}.kv WHERE value LIKE '%"~%' LIMIT 1`),
      );
      const envelope = /"~([A-Za-z0-9+/=]+)"/.exec(sealed.rows[0]!.value)![1]!;
      expect([...Buffer.from(envelope, 'base64').subarray(0, 2)]).toEqual([0, 2]); // key id 2, big-endian
      expect((await b.kpmDossier('KPM-0001', { personal: true }))!.personal).toMatchObject({
        cardsLast4: [panOf('KPM-0001').slice(-4)],
      });
      expect((await b.listDataKeys()).map((d) => d.keyId)).toEqual([1, 2]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
    }
  });

  it('more concurrent writes than pooled connections all finish (no transaction waits for a second one)', async () => {
    const keys = generateGatewayKeys();
    const h = await openPg({ keys, tahapClosesAt: {}, nonceEntriesMax: 1000 });
    const narrow = await PgStore.open({
      url: urlFor((h.store as PgStore).schema),
      ...keys,
      tahapClosesAt: {},
      poolConnectionsMax: 2,
    });
    try {
      const agents = Array.from({ length: 6 }, (_, i) => newAgent(`AGT-P${i}`));
      for (const a of agents) {
        a.record = await narrow.addAgent(
          {
            agentId: a.agentId,
            publicKey: a.publicKey,
            bank: 'BRI',
            regionCode: '3201010001',
            kpmIds: [`KPM-P${a.agentId}`],
          },
          { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
        );
      }
      const outcomes = await Promise.all(
        agents.map((a) => {
          const kpmId = `KPM-P${a.agentId}`;
          const entries = [1, 2].map(() => withdrawal(a, keys, { kpmId, amount: 50_000, pan: panOf(kpmId) }));
          return narrow.ingest(a.agentId, entries, 10);
        }),
      );
      expect(outcomes.map((o) => o.kind)).toEqual(agents.map(() => 'accepted'));
      expect((await narrow.summary(tahap, {})).withdrawalsByCategory).toBeDefined();
    } finally {
      await narrow.close();
      await h.destroy();
    }
  });

  it('two replicas importing the same file at once store each row once: no figure counted twice', async () => {
    const keys = generateGatewayKeys();
    const h = await openPg({ keys, tahapClosesAt: {}, nonceEntriesMax: 1000 });
    const second = await PgStore.open({ url: urlFor((h.store as PgStore).schema), ...keys, tahapClosesAt: {} });
    const rows = Array.from({ length: 600 }, (_, i) => {
      const kpmId = `KPM-${String(i % 400).padStart(4, '0')}`; // KPM-0000..0199 with two credits each
      return row(kpmId, 100_000 + i, { line: i + 2, reference: `R${i}`, regionCode: `32010100${10 + (i % 7)}` });
    });
    const file = { fileSha256: 'd'.repeat(64), now: 1 };
    const importAll = async (store: PgStore) => {
      const sum = { accepted: 0, duplicates: 0, conflicts: 0 };
      for (let i = 0; i < rows.length; i += 50) {
        const out = await store.applyDisbursements(rows.slice(i, i + 50), file);
        sum.accepted += out.accepted;
        sum.duplicates += out.duplicates;
        sum.conflicts += out.conflicts;
      }
      return sum;
    };
    try {
      const [a, b] = await Promise.all([importAll(h.store as PgStore), importAll(second)]);
      expect(a.accepted + b.accepted).toBe(600);
      expect(a.duplicates + b.duplicates).toBe(600);
      expect(a.conflicts + b.conflicts).toBe(0);
      const sum = await second.summary(tahap, {});
      expect(sum).toMatchObject({ kpm: 400, disbursed: rows.reduce((t, r) => t + r.amount, 0) });
      const recon = await second.reconcile(tahap, 10);
      expect(recon.agree).toBe(true);
      expect(recon.totals).toEqual(sum);
    } finally {
      await second.close();
      await h.destroy();
    }
  });

  it('stores counter shards without zero fields, reads dense ones written before, refuses a strange one', async () => {
    const keys = generateGatewayKeys();
    const h = await openPg({ keys, tahapClosesAt: {}, nonceEntriesMax: 10 });
    try {
      await h.store.applyDisbursements([row('KPM-0001', 100_000)], { fileSha256: 'a'.repeat(64), now: 1 });
      const table = `${quoteIdent((h.store as PgStore).schema)}.counter_shard`;
      const key = `ctrb!${tahap}!BRI`;
      const stored = await withClient((c) =>
        c.query<{ value: string }>(`SELECT value FROM ${table} WHERE key = $1`, [key]),
      );
      expect(stored.rows).toHaveLength(1);
      const sparse = JSON.parse(stored.rows[0]!.value) as Record<string, unknown>;
      expect(sparse).toMatchObject({ kpm: 1, disbursed: 100_000, credited: 100_000 });
      expect(sparse).not.toHaveProperty('failed');
      // A dense shard (the format before) adds like any other.
      const dense = { ...emptyTahapCounters(), kpm: 1, disbursed: 5, credited: 5 };
      dense.kpmByCategory.unclaimed = { count: 1, credited: 5 };
      await withClient((c) =>
        c.query(`INSERT INTO ${table} (key, shard, value) VALUES ($1, 998, $2)`, [key, JSON.stringify(dense)]),
      );
      expect(await h.store.summary(tahap, {})).toMatchObject({ kpm: 2, disbursed: 100_005, credited: 100_005 });
      await withClient((c) =>
        c.query(`INSERT INTO ${table} (key, shard, value) VALUES ($1, 999, $2)`, [key, JSON.stringify({ kmp: 1 })]),
      );
      await expect(h.store.summary(tahap, {})).rejects.toMatchObject({ code: 'EDC_ERR_STORE_CORRUPT' });
    } finally {
      await h.destroy();
    }
  });

  it('reconcile finds a withdrawals-per-day record the continuous state got wrong (an extra shard)', async () => {
    const keys = generateGatewayKeys();
    const h = await openPg({ keys, tahapClosesAt: {}, nonceEntriesMax: 10 });
    try {
      const a = newAgent('AGT-DAY');
      a.record = await h.store.addAgent(
        { agentId: a.agentId, publicKey: a.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: ['KPM-D1'] },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      const entry = withdrawal(a, keys, { kpmId: 'KPM-D1', amount: 50_000, pan: panOf('KPM-D1'), localDate: '1122' });
      expect((await h.store.ingest(a.agentId, [entry], 10)).kind).toBe('accepted');
      expect(await h.store.reconcile(tahap, 20)).toMatchObject({ agree: true, differences: [] });
      const table = `${quoteIdent((h.store as PgStore).schema)}.counter_shard`;
      await withClient((c) =>
        c.query(`INSERT INTO ${table} (key, shard, value) VALUES ($1, 999, $2)`, [
          `dctr!${tahap}!BRI!1122`,
          JSON.stringify({ count: 1, amount: 0 }),
        ]),
      );
      expect(await h.store.withdrawalDays(tahap, {})).toEqual([{ localDate: '1122', count: 2, amount: 50_000 }]);
      const result = await h.store.reconcile(tahap, 30);
      expect(result).toMatchObject({ agree: false, differences: ['days BRI/1122: count'] });
    } finally {
      await h.destroy();
    }
  });

  describe('PgStore migrations and schema version', () => {
    const keys = generateGatewayKeys();
    const open = (schema: string) => PgStore.open({ url: urlFor(schema), ...keys, tahapClosesAt: {} });

    it('concurrent migrations apply each version once (advisory lock)', async () => {
      const schema = uniqueSchemaName('mig');
      try {
        const applied = await Promise.all([1, 2, 3].map(() => withClient((c) => migrate(c, schema))));
        const versions = migrations().map((m) => m.version);
        expect(applied.flat().sort((a, b) => a - b)).toEqual(versions);
        const rows = await withClient((c) => c.query(`SELECT version FROM ${quoteIdent(schema)}.schema_migrations`));
        expect(rows.rowCount).toBe(versions.length);
        await (await open(schema)).close();
      } finally {
        await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
      }
    });

    it('refuses a schema never migrated, an older and a newer one with EDC_ERR_STORE_SCHEMA', async () => {
      const schema = uniqueSchemaName('ver');
      try {
        await expect(open(schema)).rejects.toMatchObject({ code: 'EDC_ERR_STORE_SCHEMA' });
        await withClient((c) => migrate(c, schema));
        const table = `${quoteIdent(schema)}.schema_migrations`;
        await withClient((c) => c.query(`INSERT INTO ${table} (version, name) VALUES (9999, 'future')`));
        await expect(open(schema)).rejects.toMatchObject({
          code: 'EDC_ERR_STORE_SCHEMA',
          message: expect.stringContaining('found 9999') as unknown,
        });
        await withClient((c) => c.query(`DELETE FROM ${table} WHERE version >= $1`, [knownSchemaVersion()]));
        await expect(open(schema)).rejects.toMatchObject({ code: 'EDC_ERR_STORE_SCHEMA' });
      } finally {
        await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
      }
    });
  });
});
