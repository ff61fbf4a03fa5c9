import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import { describeStoreConformance, type StoreHandle, type StoreOptions } from './conformance.ts';
import { levelDump } from './level-dump.ts';
import { enroll, issueSet, newAgent, panOf, row, tempStore, withdrawal } from '../helpers.ts';

async function openLevel(options: StoreOptions): Promise<StoreHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-conf-'));
  const path = join(dir, 'store');
  const openAt = (tahapClosesAt: Readonly<Record<string, number>>) =>
    LevelStore.open({
      path,
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStoreConformance('LevelStore', openLevel);

describe('LevelStore.open', () => {
  it('refuses a directory another handle holds with EDC_ERR_STORE_LOCKED', async () => {
    const t = await tempStore();
    try {
      await expect(
        LevelStore.open({
          path: join(t.dir, 'store'),
          sealPublicKey: t.keys.sealPublicKey,
          sealSecretKey: t.keys.sealSecretKey,
          lookupKey: t.keys.lookupKey,
          tahapClosesAt: {},
        }),
      ).rejects.toMatchObject({ code: 'EDC_ERR_STORE_LOCKED' });
    } finally {
      await t.cleanup();
    }
  });
});

describe('LevelStore records', () => {
  it('store no PAN, NIK or name in the clear (every key and value)', async () => {
    const t = await tempStore();
    try {
      const agent = newAgent('AGT-A');
      await enroll(t.store, agent, ['KPM-0001']);
      const r = row('KPM-0001', 750_000);
      await t.store.applyDisbursements([r], { fileSha256: 'f'.repeat(64), now: 1 });
      const setId = await issueSet(t.store, agent);
      const entry = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 100_000, pan: panOf('KPM-0001'), setId });
      await ingestSegment(t.store, agent.record!, [entry], 10);
      await t.store.close();
      const dump = await levelDump(join(t.dir, 'store'));
      expect(dump.size).toBeGreaterThan(10);
      const all = [...dump].map(([k, v]) => k + v).join('\n');
      expect(all).toContain('KPM-0001');
      for (const secret of [r.pan, r.nik, r.name]) expect(all).not.toContain(secret);
    } finally {
      await t.cleanup();
    }
  });
});
