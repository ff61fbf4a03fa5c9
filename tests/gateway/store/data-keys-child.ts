/**
 * Opens a LevelDB gateway store in its own process for tests/gateway/store/data-keys.test.ts:
 *   node --import tsx tests/gateway/store/data-keys-child.ts <state.json> KPM-ID...
 * prints one JSON line: the store's data keys and each KPM's personal data (opened from its rows),
 * or `{"error": CODE}` when the store refuses.
 */
import { readFile } from 'node:fs/promises';
import { GatewayKeys } from '../../../gateway/config.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';

const state = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as { path: string; keys: unknown };
const keys = GatewayKeys.parse(state.keys);
try {
  const store = await LevelStore.open({ path: state.path, ...keys, tahapClosesAt: {} });
  try {
    const personal: Record<string, unknown> = {};
    for (const kpmId of process.argv.slice(3))
      personal[kpmId] = (await store.kpmDossier(kpmId, { personal: true }))?.personal;
    process.stdout.write(JSON.stringify({ dataKeys: await store.listDataKeys(), personal }) + '\n');
  } finally {
    await store.close();
  }
} catch (error) {
  process.stdout.write(JSON.stringify({ error: (error as { code?: string }).code ?? String(error) }) + '\n');
}
