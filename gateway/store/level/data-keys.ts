/**
 * The wrapped data keys of the gateway's envelope encryption (gateway/crypto/envelope.ts), kept in
 * the store beside the values they seal (`dkey!NNNNN`, in `kv` on PostgreSQL): a backup or a copy
 * of the store carries them, and every replica reads the same ones. keys.json (the key-encryption
 * key's source) stays outside the store. Used by both LevelStore and PgStore.
 */
import type { DataKeyRing, WrappedDataKey } from '../../crypto/envelope.ts';
import type { DataKeyInfo } from '../api/data-keys.ts';
import { parseJson, type Db, type Tx } from './db.ts';
import { key, range } from './keys.ts';

const dataKeyKey = (keyId: number) => key('dkey', String(keyId).padStart(5, '0'));

/** Every stored data key, in id order. */
export async function storedDataKeys(db: Db): Promise<WrappedDataKey[]> {
  const found: WrappedDataKey[] = [];
  for await (const [k, v] of db.iterator(range('dkey'))) found.push(parseJson<WrappedDataKey>(k, v));
  return found;
}

/** Loads every stored data key into the ring (a damaged one: EDC_ERR_DATA_KEY_DAMAGED). */
export async function loadDataKeys(db: Db, ring: DataKeyRing): Promise<void> {
  for (const record of await storedDataKeys(db)) ring.add(record);
}

/**
 * Plans a new data key with the id after the newest stored one (read inside the transaction, so
 * two processes rotating at once conflict and one retries); the caller add()s it to the ring after
 * the commit. `onlyIfNone`: adds one only when the store holds none (a store's first open).
 */
export async function addDataKeyIntoTx(
  tx: Tx,
  ring: DataKeyRing,
  now: number,
  onlyIfNone = false,
): Promise<WrappedDataKey | undefined> {
  const stored = await storedDataKeys(tx.db);
  for (const record of stored) ring.add(record);
  if (onlyIfNone && stored.length > 0) return undefined;
  const record = ring.next(now);
  tx.put(dataKeyKey(record.keyId), record);
  return record;
}

export function dataKeyInfos(ring: DataKeyRing, stored: readonly WrappedDataKey[]): DataKeyInfo[] {
  return stored.map((r) => ({ keyId: r.keyId, createdAt: r.createdAt, sealing: r.keyId === ring.newestId }));
}
