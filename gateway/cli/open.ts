/** Opens a gateway directory and its store for a CLI command (a running server holds the lock). */
import { loadGatewayDir, type GatewayDir } from '../config.ts';
import { LevelStore } from '../store/level/store.ts';
import type { GatewayStore } from '../store/types.ts';

/** The store behind the GatewayStore interfaces: commands and the server never see which one. */
export async function openGateway(dir: string): Promise<{ gw: GatewayDir; store: GatewayStore }> {
  const gw = await loadGatewayDir(dir);
  const store = await LevelStore.open({
    path: gw.storePath,
    sealPublicKey: gw.keys.sealPublicKey,
    sealSecretKey: gw.keys.sealSecretKey,
    lookupKey: gw.keys.lookupKey,
    tahapClosesAt: gw.config.tahapClosesAt,
    nonceEntriesMax: gw.config.nonceCacheEntriesMax,
  });
  return { gw, store };
}

export async function withStore<T>(
  dir: string,
  fn: (opened: { gw: GatewayDir; store: GatewayStore }) => Promise<T>,
): Promise<T> {
  const opened = await openGateway(dir);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}
