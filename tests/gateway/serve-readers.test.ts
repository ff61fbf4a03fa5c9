/**
 * Issue 9 §2 (LevelDB): while a real `edc-gateway serve` child process holds the store, the read
 * commands (report, reconcile, agents list) answer through the running server (D/serve.json, an
 * in-memory admin token, a 127.0.0.1 listener) exactly as they answer from the store once it has
 * stopped; writing commands still get EDC_ERR_STORE_LOCKED. The file is 0600 and goes with the
 * server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import { generateSigningKeyPair, toBase64 } from '../../protocol/crypto/index.ts';
import { row } from './helpers.ts';

const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;
let dir: string;
let gw: string;
let child: ChildProcess | undefined;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTty: false, now: Date.now };
  return { code: await runCli(argv, io), out, err };
}

function startServe(): Promise<void> {
  child = spawn(process.execPath, [bin, 'serve', '--dir', gw, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise<void>((resolve, reject) => {
    child!.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      if (/listening on http:\/\/127\.0\.0\.1:\d+/.test(err)) resolve();
    });
    child!.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function stopServe(): Promise<number | null> {
  if (child === undefined || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const reads = [
  ['report', '--tahap', '2026-IV', '--format', 'json'],
  ['report', '--tahap', '2026-IV', '--format', 'csv', '--bank', 'BRI', '--region', '3201'],
  ['agents', 'list'],
] as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-readers-'));
  gw = join(dir, 'gw');
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const configPath = join(gw, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, JSON.stringify({ ...config, logLevel: 'warn' }));
  const { store } = await openGateway(gw);
  await store.applyDisbursements(
    [row('KPM-0001', 750_000), row('KPM-0002', 600_000, { reference: 'REF-2', status: 'failed' })],
    { fileSha256: 'b'.repeat(64), now: Date.now() },
  );
  for (const agentId of ['AGT-001', 'AGT-002'])
    await store.addAgent(
      {
        agentId,
        publicKey: generateSigningKeyPair().publicKey,
        bank: 'BRI',
        regionCode: '3201010001',
        kpmIds: agentId === 'AGT-001' ? ['KPM-0001'] : [],
      },
      { move: false, now: Date.now(), lookupKey: toBase64(randomBytes(32)) },
    );
  await store.close();
  await startServe();
}, 60_000);

afterAll(async () => {
  await stopServe();
  await rm(dir, { recursive: true, force: true });
});

describe('read commands while serve holds the LevelDB store', () => {
  const whileServing = new Map<string, { code: number; out: string }>();

  it('serve writes D/serve.json with mode 0600: a 127.0.0.1 URL and a token, never in the store', async () => {
    const path = join(gw, 'serve.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(path, 'utf8')) as { url: string; token: string; pid: number };
    expect(file.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(file.pid).toBe(child!.pid);
    const health = await fetch(`${file.url}/v1/staff/me`, { headers: { authorization: `Bearer ${file.token}` } });
    expect(await health.json()).toEqual({ name: 'edc-gateway CLI (local)', role: 'admin' });
  });

  it.each(reads.map((argv) => [argv.join(' '), argv]))('%s answers through the server', async (_name, argv) => {
    const res = await cli(...argv, '--dir', gw);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out.length).toBeGreaterThan(20);
    whileServing.set(argv.join(' '), res);
  });

  it('reconcile runs in the server: agrees, stored, audited with the local actor', async () => {
    const res = await cli('reconcile', '--dir', gw, '--tahap', '2026-IV');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ tahap: '2026-IV', agree: true, kpm: 2, disbursed: 1_350_000 });
    expect(res.err).toContain('reconciliation agrees (2 KPM)');
  });

  it("the server's coded refusals are the command's: an unknown tahap is EDC_ERR_TAHAP_UNKNOWN, exit 1", async () => {
    const res = await cli('report', '--dir', gw, '--tahap', '2030-I', '--format', 'json');
    expect(res.code).toBe(1);
    expect(res.err).toMatch(
      /^edc-gateway: EDC_ERR_TAHAP_UNKNOWN: Tahap 2030-I tidak dikenal: .* \/ Unknown tahap 2030-I/,
    );
    expect(res.err.trim().split('\n')).toHaveLength(1);
  });

  it('writing commands still refuse with EDC_ERR_STORE_LOCKED', async () => {
    const res = await cli('tokens', 'create', '--dir', gw, '--role', 'viewer');
    expect(res.code).toBe(1);
    expect(res.err).toContain('EDC_ERR_STORE_LOCKED');
  });

  it('after serve stops: serve.json is gone and every read answers the same from the store', async () => {
    expect(await stopServe()).toBe(0);
    await expect(stat(join(gw, 'serve.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    for (const argv of reads) {
      const res = await cli(...argv, '--dir', gw);
      expect(res.code).toBe(0);
      expect(res.out, argv.join(' ')).toBe(whileServing.get(argv.join(' '))!.out);
    }
    // The reconcile made through the server is in the store, with its audit record.
    const { store } = await openGateway(gw);
    try {
      const [result] = await store.reconResults('2026-IV', 5);
      expect(result).toMatchObject({ agree: true, kpmCount: 2 });
      const audit = await store.audit({ limit: 100 });
      expect(audit.items.some((r) => r.actor === 'edc-gateway CLI (local)' && r.action.includes('reconcile'))).toBe(
        true,
      );
    } finally {
      await store.close();
    }
  });

  it('a serve.json left by a killed server is ignored: the command opens the store itself', async () => {
    await writeFile(
      join(gw, 'serve.json'),
      JSON.stringify({ v: 1, pid: 999999, url: 'http://127.0.0.1:9', token: `edcst_${'x'.repeat(43)}`, startedAt: 1 }),
      { mode: 0o600 },
    );
    const res = await cli('agents', 'list', '--dir', gw);
    expect(res.code).toBe(0);
    expect(res.out).toBe(whileServing.get('agents list')!.out);
  });
});
