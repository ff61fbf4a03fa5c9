/**
 * A gateway modem that stops answering while its link stays open (a hung modem, or a pty whose
 * far side never signals a close) is noticed by the intake's heartbeat: an idle AT that gets no
 * answer within the command timeout counts as lost, so the supervisor retries it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { ModemIntake, modemSlotsMax } from '../../gateway/checkpoints/modem-intake.ts';
import { waitFor } from '../support/modem.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A socat pty pair; the far end answers every AT command until `silent` is set. With `smsDuringHeartbeat`, the
 * first heartbeat AT after the start-up sweep of every slot gets a +CMTI for that slot first and its OK 100 ms
 * later, so a new SMS is announced while the intake's one AT command is still unanswered.
 */
async function fakeModem(
  dir: string,
  smsDuringHeartbeat?: number,
): Promise<{ path: string; commands: string[]; goSilent: () => void }> {
  const path = join(dir, 'gw-modem');
  const far = join(dir, 'far');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${path}`, `pty,raw,echo=0,link=${far}`], {
    stdio: 'ignore',
  });
  cleanups.push(() => (socat.exitCode === null ? Promise.resolve(socat.kill('SIGTERM')) : Promise.resolve()));
  await waitFor(() => (existsSync(path) && existsSync(far) ? true : undefined), 5_000);
  const port = new SerialPort({ path: far, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((done, fail) => port.open((error) => (error === null ? done() : fail(error))));
  cleanups.push(() => new Promise((done) => (port.isOpen ? port.close(() => done(undefined)) : done(undefined))));
  const commands: string[] = [];
  let silent = false;
  let buffered = '';
  port.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (let at = buffered.indexOf('\r'); at >= 0; at = buffered.indexOf('\r')) {
      const command = buffered.slice(0, at).trim();
      buffered = buffered.slice(at + 1);
      if (command === '' || silent) continue;
      commands.push(command);
      if (command === 'AT' && smsDuringHeartbeat !== undefined && commands.includes(`AT+CMGR=${modemSlotsMax}`)) {
        port.write(`\r\n+CMTI: "SM",${smsDuringHeartbeat}\r\n`);
        smsDuringHeartbeat = undefined;
        setTimeout(() => port.write('\r\nOK\r\n'), 100);
        continue;
      }
      port.write(command.startsWith('AT+CMGR') ? '\r\n+CMS ERROR: 321\r\n' : '\r\nOK\r\n');
    }
  });
  return { path, commands, goSilent: () => (silent = true) };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-modem-hb-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An intake on `path` with a 100 ms heartbeat and a store it never uses, stopped after the test. */
async function startIntake(
  path: string,
  options: { commandTimeoutMs: number; onLost?: (error: Error) => void },
): Promise<ModemIntake> {
  const store = { getAgent: () => Promise.reject(new Error('unused')) } as never;
  const intake = new ModemIntake({
    path,
    baudRate: 115_200,
    store,
    logger: pino({ level: 'silent' }),
    heartbeatMs: 100,
    ...options,
  });
  cleanups.push(() => intake.stop());
  await intake.start();
  return intake;
}

describe('gateway modem intake heartbeat', () => {
  it('an idle modem that stops answering while its link stays open is reported lost', async () => {
    const modem = await fakeModem(await tempDir());
    const lost: Error[] = [];
    await startIntake(modem.path, { commandTimeoutMs: 300, onLost: (error) => lost.push(error) });
    // While the modem answers, heartbeats go out and nothing is lost.
    await waitFor(() => (modem.commands.filter((c) => c === 'AT').length >= 4 ? true : undefined), 10_000);
    expect(lost).toEqual([]);
    modem.goSilent();
    const error = await waitFor(() => lost[0], 10_000);
    expect(error.message).toMatch(/did not answer AT \(timeout\)/);
    expect(lost).toHaveLength(1);
  });

  it('an SMS announced while a heartbeat AT is unanswered is still read from its slot', async () => {
    const modem = await fakeModem(await tempDir(), 7);
    await startIntake(modem.path, { commandTimeoutMs: 1_000 });
    // Slot 7 is read once by the start-up sweep, and once more for the +CMTI that came during the heartbeat.
    await waitFor(() => (modem.commands.filter((c) => c === 'AT+CMGR=7').length >= 2 ? true : undefined), 5_000);
  });
});
