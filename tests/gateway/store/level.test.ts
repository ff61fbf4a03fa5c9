import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import { describeStoreConformance } from './conformance.ts';
import { tempStore } from '../helpers.ts';

describeStoreConformance('LevelStore', async () => {
  const t = await tempStore();
  let current = t.store;
  return {
    store: t.store,
    keys: t.keys,
    reopen: async (tahapClosesAt) => {
      await current.close();
      current = await LevelStore.open({
        path: join(t.dir, 'store'),
        sealPublicKey: t.keys.sealPublicKey,
        sealSecretKey: t.keys.sealSecretKey,
        lookupKey: t.keys.lookupKey,
        tahapClosesAt,
      });
      return current;
    },
    cleanup: async () => {
      await current.close().catch(() => undefined);
      await t.cleanup();
    },
  };
});

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
