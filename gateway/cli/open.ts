/** Opens a gateway directory and its store for a CLI command (a running server holds the lock). */
import { loadGatewayDir, type GatewayDir } from '../config.ts';
import { LevelStore } from '../store/level/store.ts';

export async function openGateway(dir: string): Promise<{ gw: GatewayDir; store: LevelStore }> {
  const gw = await loadGatewayDir(dir);
  const store = await LevelStore.open({
    path: gw.storePath,
    sealPublicKey: gw.keys.sealPublicKey,
    sealSecretKey: gw.keys.sealSecretKey,
    lookupKey: gw.keys.lookupKey,
    tahapClosesAt: gw.config.tahapClosesAt,
  });
  return { gw, store };
}

export async function withStore<T>(
  dir: string,
  fn: (opened: { gw: GatewayDir; store: LevelStore }) => Promise<T>,
): Promise<T> {
  const opened = await openGateway(dir);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}
