/** Test helpers: run `edc-sim modem` as a child process and talk AT to its pseudo-terminals. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { SerialPort } from 'serialport';
import { AtClient } from '../../protocol/sms/at-client.ts';

const bin = resolve(import.meta.dirname, '../../bin/edc-sim.mjs');

export interface ModemProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** SIGTERM, then the exit code and the JSON counters it printed. */
  stop(): Promise<{ code: number | null; stats: Record<string, number> }>;
}

export async function startModemProcess(args: readonly string[], modems: number): Promise<ModemProcess> {
  const child = spawn(process.execPath, [bin, 'modem', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((ready, fail) => {
    const check = (): void => {
      if ((out.match(/^modem /gm) ?? []).length >= modems) ready();
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => fail(new Error(`edc-sim modem exited ${code}: ${err}`)));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      const code = await exited;
      const last = out.trim().split('\n').at(-1) ?? '{}';
      return { code, stats: JSON.parse(last) as Record<string, number> };
    },
  };
}

export interface AtPort {
  readonly client: AtClient;
  readonly indications: number[];
  close(): Promise<void>;
}

export async function openAtPort(path: string): Promise<AtPort> {
  const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((done, fail) => port.open((error) => (error === null ? done() : fail(error))));
  const indications: number[] = [];
  const client = new AtClient(
    (text) => void port.write(text),
    (index) => indications.push(index),
    3_000,
  );
  port.on('data', (chunk: Buffer) => client.input(chunk));
  return {
    client,
    indications,
    close: () => new Promise((done) => (port.isOpen ? port.close(() => done()) : done())),
  };
}

export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((done) => setTimeout(done, 20));
  }
}
