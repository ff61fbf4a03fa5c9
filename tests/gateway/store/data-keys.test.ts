/**
 * Sealing at rest in the LevelDB layout (the conformance suite covers both stores through their
 * interfaces): what a row's sealed value carries, stores written before envelope encryption,
 * a damaged or missing data key, and a store opened again by another process.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seal } from '../../../protocol/crypto/seal.ts';
import { fromBase64, toBase64 } from '../../../protocol/crypto/encoding.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import { panOf, row, tempStore, type TempStore } from '../helpers.ts';
import { levelDump } from './level-dump.ts';

const run = promisify(execFile);
const child = new URL('./data-keys-child.ts', import.meta.url).pathname;
const envelopes = /"~([A-Za-z0-9+/=]+)"/g;

/** Edits a closed store's records in place. */
async function editStore(path: string, fn: (db: ClassicLevel<string, string>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

/** The key ids of every envelope-sealed value in a closed store. */
async function sealedKeyIds(path: string): Promise<number[]> {
  const ids = new Set<number>();
  for (const value of (await levelDump(path)).values())
    for (const m of value.matchAll(envelopes)) {
      const bytes = fromBase64(m[1]!)!;
      ids.add((bytes[0]! << 8) | bytes[1]!);
    }
  return [...ids].sort();
}

describe('LevelStore sealing at rest', () => {
  let t: TempStore;
  let path: string;
  const reopen = () => LevelStore.open({ path, ...t.keys, tahapClosesAt: {} });
  const personalOf = (kpmId: string, nik = '3201010101900001') => ({
    name: 'SITI AMINAH',
    nik,
    cardsLast4: [panOf(kpmId).slice(-4)],
  });

  beforeEach(async () => {
    t = await tempStore();
    path = join(t.dir, 'store');
    await t.store.applyDisbursements([row('KPM-0001', 100_000)], { fileSha256: 'a'.repeat(64), now: 1 });
  });
  afterEach(async () => t.cleanup());

  it('rows are sealed under the newest data key: key 1, then key 2 after a rotation', async () => {
    await t.store.rotateDataKey(5);
    await t.store.applyDisbursements([row('KPM-0002', 100_000)], { fileSha256: 'b'.repeat(64), now: 2 });
    await t.store.close();
    expect(await sealedKeyIds(path)).toEqual([1, 2]);
    const dump = await levelDump(path);
    expect([...dump.keys()].filter((k) => k.startsWith('dkey!'))).toEqual(['dkey!00001', 'dkey!00002']);
    expect([...dump.values()].join('\n')).not.toContain(panOf('KPM-0001'));
  });

  it('a store written before envelope encryption (rows in sealed boxes, no data key) opens its rows', async () => {
    await t.store.close();
    const plaintext = JSON.stringify({ pan: panOf('KPM-0001'), nik: '3201010101900001', name: 'SITI AMINAH' });
    await editStore(path, async (db) => {
      for await (const [key, value] of db.iterator()) {
        if (key.startsWith('dkey!')) await db.del(key);
        else if (envelopes.test(value))
          await db.put(
            key,
            value.replace(envelopes, () => `"${seal(plaintext, t.keys.sealPublicKey)}"`),
          );
        envelopes.lastIndex = 0;
      }
    });
    expect(await sealedKeyIds(path)).toEqual([]);
    t.store = await reopen();
    expect((await t.store.listDataKeys()).map((d) => d.keyId)).toEqual([1]);
    expect((await t.store.kpmDossier('KPM-0001', { personal: true }))!.personal).toEqual(personalOf('KPM-0001'));
  });

  it('a damaged stored data key is EDC_ERR_DATA_KEY_DAMAGED at open; repaired, the store opens', async () => {
    await t.store.close();
    let original = '';
    await editStore(path, async (db) => {
      original = (await db.get('dkey!00001'))!;
      const record = JSON.parse(original) as { wrapped: string };
      const bytes = fromBase64(record.wrapped)!;
      bytes[30]! ^= 0x01;
      await db.put('dkey!00001', JSON.stringify({ ...record, wrapped: toBase64(bytes) }));
    });
    await expect(reopen()).rejects.toMatchObject({ code: 'EDC_ERR_DATA_KEY_DAMAGED' });
    await editStore(path, (db) => db.put('dkey!00001', original));
    t.store = await reopen();
    expect((await t.store.kpmDossier('KPM-0001', { personal: true }))!.personal).toEqual(personalOf('KPM-0001'));
  });

  it('a row under a data key the store lacks is EDC_ERR_DATA_KEY_UNKNOWN, never read as no personal data', async () => {
    await t.store.rotateDataKey(5);
    await t.store.applyDisbursements([row('KPM-0002', 100_000)], { fileSha256: 'b'.repeat(64), now: 2 });
    await t.store.close();
    await editStore(path, (db) => db.del('dkey!00002'));
    t.store = await reopen();
    await expect(t.store.kpmDossier('KPM-0002', { personal: true })).rejects.toMatchObject({
      code: 'EDC_ERR_DATA_KEY_UNKNOWN',
    });
    expect((await t.store.kpmDossier('KPM-0001', { personal: true }))!.personal).toEqual(personalOf('KPM-0001'));
  });

  it('another process opening the store reads rows sealed under every data key', async () => {
    await t.store.rotateDataKey(5);
    await t.store.applyDisbursements([row('KPM-0002', 100_000, { nik: '3201010101900022' })], {
      fileSha256: 'b'.repeat(64),
      now: 2,
    });
    await t.store.close();
    const state = join(t.dir, 'child.json');
    await writeFile(state, JSON.stringify({ path, keys: t.keys }));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, state, 'KPM-0001', 'KPM-0002']);
    expect(JSON.parse(stdout)).toEqual({
      dataKeys: [
        { keyId: 1, createdAt: expect.any(Number), sealing: false },
        { keyId: 2, createdAt: 5, sealing: true },
      ],
      personal: { 'KPM-0001': personalOf('KPM-0001'), 'KPM-0002': personalOf('KPM-0002', '3201010101900022') },
    });
  });
});
