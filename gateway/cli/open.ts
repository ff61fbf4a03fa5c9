/**
 * Opens a gateway directory and its store for a CLI command. The store is, in this order: the
 * command's --store, the EDC_GATEWAY_STORE environment variable, "store" in config.json, or the
 * LevelDB folder D/store. A postgres:// URL opens the PostgreSQL store (any number of processes
 * at once); anything else is a LevelDB folder (one process: a running server holds its lock).
 */
import { isAbsolute, join } from 'node:path';
import { loadGatewayDir, type GatewayDir } from '../config.ts';
import { LevelStore } from '../store/level/store.ts';
import type { LevelStoreFault } from '../store/level/handle.ts';
import { PgStore } from '../store/pg/store.ts';
import { isPostgresUrl } from '../store/pg/url.ts';
import type { GatewayStore } from '../store/types.ts';
import { required, type CommandSpec } from './io.ts';

export const storeEnvVar = 'EDC_GATEWAY_STORE';

export const storeOptionUsage =
  '  --store S    penyimpanan: URL postgres://HOST:PORT/DB[?schema=NAMA] atau folder LevelDB;\n' +
  `               bawaan: $${storeEnvVar}, lalu "store" di config.json, lalu D/store / the store:
               a postgres:// URL or a LevelDB folder; default $${storeEnvVar}, then config.json
               "store", then D/store`;

/** The spec with --store added to its options and its help. */
export function withStoreOption(spec: CommandSpec): CommandSpec {
  return {
    ...spec,
    usage: `${spec.usage}\n${storeOptionUsage}`,
    options: { ...spec.options, store: { type: 'string' } },
  };
}

/** Where the store is: flag, environment, config.json, default folder (a relative folder is under D). */
export function storeLocation(gw: GatewayDir, flag: string | boolean | undefined): string {
  const env = process.env[storeEnvVar];
  const chosen =
    (typeof flag === 'string' && flag !== '' ? flag : undefined) ??
    (env !== undefined && env !== '' ? env : undefined) ??
    gw.config.store ??
    gw.storePath;
  return isPostgresUrl(chosen) || isAbsolute(chosen) ? chosen : join(gw.dir, chosen);
}

/** The store behind the GatewayStore interfaces: commands and the server never see which one. */
export async function openGateway(
  dir: string,
  storeFlag?: string | boolean,
  hooks: { readonly onStoreFault?: (fault: LevelStoreFault) => void } = {},
): Promise<{ gw: GatewayDir; store: GatewayStore }> {
  const gw = await loadGatewayDir(dir);
  const location = storeLocation(gw, storeFlag);
  const common = {
    sealPublicKey: gw.keys.sealPublicKey,
    sealSecretKey: gw.keys.sealSecretKey,
    lookupKey: gw.keys.lookupKey,
    tahapClosesAt: gw.config.tahapClosesAt,
    nonceEntriesMax: gw.config.nonceCacheEntriesMax,
  };
  const store = isPostgresUrl(location)
    ? await PgStore.open({ url: location, ...common })
    : await LevelStore.open({ path: location, ...common, onFault: hooks.onStoreFault });
  return { gw, store };
}

/** Runs fn with the store of --dir (and --store), closing it afterwards. */
export async function withStore<T>(
  values: Record<string, string | boolean | undefined>,
  spec: CommandSpec,
  fn: (opened: { gw: GatewayDir; store: GatewayStore }) => Promise<T>,
): Promise<T> {
  const opened = await openGateway(required(values, 'dir', spec), values.store);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}
