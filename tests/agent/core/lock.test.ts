import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { agentId, agentKeys, gatewayKeys, tempLedger, type TempLedger } from './fixtures.ts';

const run = promisify(execFile);
const child = resolve(import.meta.dirname, 'open-ledger-child.ts');
let ledger: TempLedger;

afterEach(async () => {
  await ledger.cleanup();
});

async function openInChild(dir: string): Promise<{ opened: boolean; code?: string; message?: string; stack?: string }> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', child, dir, agentId, agentKeys.seed, gatewayKeys.publicKey],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout) as { opened: boolean; code?: string; message?: string; stack?: string };
}

describe('one process per ledger', () => {
  it(
    'a second process opening a ledger in use gets' + ' EDC_ERR_LEDGER_LOCKED with a message for the bank agent',
    async () => {
      ledger = await tempLedger();
      const core = await ledger.open();
      try {
        const result = await openInChild(join(ledger.dir, 'ledger'));
        expect(result.opened).toBe(false);
        expect(result.code).toBe('EDC_ERR_LEDGER_LOCKED');
        expect(result.message).toMatch(/another edc-agent process is already using it/);
        expect(result.stack).toBe(`EDC_ERR_LEDGER_LOCKED: ${result.message}`);
      } finally {
        await core.close();
      }
      expect((await openInChild(join(ledger.dir, 'ledger'))).opened).toBe(true);
    },
  );
});
