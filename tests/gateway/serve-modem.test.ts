/**
 * `edc-gateway serve` with a modem section (real child processes, socat pseudo-terminals from
 * `edc-sim modem`, real LevelDB): started before its modem exists, serve logs the modem as
 * unavailable and keeps serving; once the simulated network is up, the retry connects and an
 * agent's checkpoint sent through it is stored and shows in the staff overview; SIGTERM stops
 * serve (and the intake) cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sendThroughModem } from '../../agent/sms/modem.ts';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { encodeCheckpoint } from '../../protocol/sms/index.ts';
import { startModemProcess, waitFor, type ModemProcess } from '../support/modem.ts';
import { newAgent } from './helpers.ts';

const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cli(...argv: string[]): Promise<number> {
  const io: CliIo = { out: () => undefined, err: () => undefined, errIsTty: false, now: Date.now };
  return runCli(argv, io);
}

describe('serve with a modem section', () => {
  it('retries a missing modem while serving, then stores checkpoints it receives; stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edc-gw-modem-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const gw = join(dir, 'gw');
    expect(await cli('init', '--dir', gw)).toBe(0);
    const configPath = join(gw, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    const modem = { path: join(dir, 'gw-modem'), baudRate: 115200 };
    await writeFile(configPath, JSON.stringify({ ...config, modem, logLevel: 'info' }));
    const agent = newAgent('AGT-SRV');
    const { store } = await openGateway(gw);
    await store.addAgent(
      { agentId: 'AGT-SRV', publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: [] },
      { move: false, now: 1, lookupKey: toBase64(new Uint8Array(32).fill(1)) },
    );
    await store.close();

    let log = '';
    const child: ChildProcess = spawn(process.execPath, [bin, 'serve', '--dir', gw, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    cleanups.push(() => Promise.resolve(child.exitCode === null && child.kill('SIGKILL')));
    await waitFor(() => (/gateway modem unavailable/.test(log) ? true : undefined));
    const { url, token } = JSON.parse(await readFile(join(gw, 'serve.json'), 'utf8')) as { url: string; token: string };
    expect((await fetch(`${url}/healthz`)).status).toBe(200); // a missing modem never stops serving

    const sim: ModemProcess = await startModemProcess(
      ['--modem', `+6281100000001=${join(dir, 'agent-modem')}`, '--modem', `+6281100000002=${modem.path}`],
      2,
    );
    cleanups.push(() => (sim.child.exitCode === null ? sim.stop() : Promise.resolve()));
    await waitFor(() => (/gateway modem intake started/.test(log) ? true : undefined), 20_000);
    const octets = encodeCheckpoint(
      { agentId: 'AGT-SRV', seq: 7, at: 1_000, withdrawn: 700_000, reversed: 0, headHash: 'ab'.repeat(32) },
      agent.seed,
    );
    const target = { path: join(dir, 'agent-modem'), baudRate: 115200, commandTimeoutMs: 3_000 };
    expect(await sendThroughModem(target, '+6281100000002', octets)).toMatchObject({ ok: true });
    type Row = { agentId: string; lastCheckpoint: { seq: number; sender: string; withdrawn: number } | null };
    let row: Row | undefined;
    for (const deadline = Date.now() + 20_000; row === undefined && Date.now() < deadline;) {
      const res = await fetch(`${url}/v1/staff/agents/overview`, { headers: { authorization: `Bearer ${token}` } });
      const items = ((await res.json()) as { items: Row[] }).items;
      row = items.find((r) => r.agentId === 'AGT-SRV' && r.lastCheckpoint !== null);
      if (row === undefined) await new Promise((done) => setTimeout(done, 100));
    }
    expect(row?.lastCheckpoint).toMatchObject({ seq: 7, sender: '+6281100000001', withdrawn: 700_000 });

    // The modem dies: logged and retried, serving goes on.
    const before = log.length;
    await sim.stop();
    await waitFor(() => (/gateway modem (lost|unavailable)/.test(log.slice(before)) ? true : undefined), 20_000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).not.toMatch(/checkpoint intake stopped/);
  }, 60_000);
});
