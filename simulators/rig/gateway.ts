/**
 * The rig's gateway, set up only through the gateway's public entry points: its CLI functions
 * (init, import disbursements, agents add: exactly what an operator runs) while the store is
 * closed, then its store and app factory (openGateway + buildGateway) listening on 127.0.0.1:0.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { buildGateway, type Gateway } from '../../gateway/app.ts';
import { runCli } from '../../gateway/cli/main.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import type { GatewayDir } from '../../gateway/config.ts';
import { ERR_SIM_RIG_SETUP } from '../errors.ts';

export interface RigGateway {
  readonly url: string;
  readonly port: number;
  readonly gw: GatewayDir;
  readonly store: GatewayStore;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

/** Runs one edc-gateway command in-process; returns its stdout, or throws its coded stderr line. */
export async function gatewayCli(argv: readonly string[]): Promise<string> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTty: false, now: Date.now };
  const status = await runCli(argv, io);
  if (status !== 0)
    throw new ERR_SIM_RIG_SETUP(
      `edc-gateway ${argv.slice(0, 2).join(' ')} exited ${status}: ${err.trim().split('\n')[0] ?? ''}`,
      { argv: argv.slice(0, 2), status },
    );
  return out;
}

/** init, then settings the rig needs: no log noise, a cash float and rate limit that do not depend on timing. */
export async function initGatewayDir(dir: string): Promise<void> {
  await gatewayCli(['init', '--dir', dir]);
  const path = join(dir, 'config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  Object.assign(config, {
    logLevel: 'silent',
    rateRequestsMax: 1_000_000,
    // A float larger than any village's total keeps declines a function of the seed only
    // (which terminal of a village asks first would otherwise decide who hits the float).
    limits: { withdrawalAmountMax: 3_000_000, cashFloat: 100_000_000_000, queueEntriesMax: 100_000 },
  });
  await writeFile(path, JSON.stringify(config, null, 2) + '\n');
}

export async function startRigGateway(
  dir: string,
  wrapStore?: (store: GatewayStore) => GatewayStore,
): Promise<RigGateway> {
  const { gw, store: levelStore } = await openGateway(dir);
  const store = wrapStore === undefined ? levelStore : wrapStore(levelStore);
  const gateway = await buildGateway({ store, keys: gw.keys, config: gw.config, logger: pino({ level: 'silent' }) });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (gateway.app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    gw,
    store,
    gateway,
    close: async () => {
      await gateway.app.close();
      await levelStore.close();
    },
  };
}
