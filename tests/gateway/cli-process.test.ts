/**
 * edc-gateway as a real process where the operating system is part of the story: a reader that
 * goes away (`report ... | head`) and a port already taken at `serve`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import { row } from './helpers.ts';

const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;
let dir: string;
let gw: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTty: false, now: Date.now };
  return { code: await runCli(argv, io), out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-proc-'));
  gw = join(dir, 'gw');
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const { store } = await openGateway(gw);
  await store.applyDisbursements([row('KPM-0001', 750_000)], { fileSha256: 'c'.repeat(64), now: 1 });
  await store.close();
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('edc-gateway as a process', () => {
  it('`report | head`: a reader that has gone away ends it quietly (no EPIPE trace), status 0', async () => {
    const child = spawn(process.execPath, [bin, 'report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader leaves before the command writes a byte, as `head` does once it has its lines:
    // every write the command makes meets a closed pipe.
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
    // The store was closed properly: another command opens it.
    expect((await cli('report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json')).code).toBe(0);
  });

  it('`serve` on a port in use: one coded line naming host and port, exit 1, store released', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const res = await cli('serve', '--dir', gw, '--host', '127.0.0.1', '--port', String(port));
      expect(res.code).toBe(1);
      expect(res.err.trim().split('\n')).toHaveLength(1);
      expect(res.err).toContain('EDC_ERR_LISTEN');
      expect(res.err).toContain(`127.0.0.1:${port}`);
      expect(res.err).not.toContain('EDC_ERR_INTERNAL');
      expect((await cli('agents', 'list', '--dir', gw)).code).toBe(0);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
