/**
 * A gateway in its own process for tests/gateway/nonce-crash.test.ts:
 *   node --import tsx tests/gateway/nonce-child.ts <state.json>
 * opens the LevelDB store the parent prepared, serves the HTTP API on 127.0.0.1:0 and prints
 * `READY <port>`; the parent kills it with SIGKILL.
 */
import { readFile } from 'node:fs/promises';
import { buildGateway } from '../../gateway/app.ts';
import { GatewayConfig, GatewayKeys } from '../../gateway/config.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';

const state = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as { path: string; keys: unknown };
const keys = GatewayKeys.parse(state.keys);
const store = await LevelStore.open({
  path: state.path,
  sealPublicKey: keys.sealPublicKey,
  sealSecretKey: keys.sealSecretKey,
  lookupKey: keys.lookupKey,
  tahapClosesAt: {},
});
const { app } = await buildGateway({ store, keys, config: GatewayConfig.parse({ v: 1, logLevel: 'silent' }) });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`READY ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
