/** Gateway replicas as real child processes (`edc-gateway serve --store ...`) for the PostgreSQL tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';

const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;

export interface Replica {
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  stderr(): string;
}

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTty: false, now: Date.now };
  return { code: await runCli(argv, io), out, err };
}

/** Starts `edc-gateway serve --dir gw --port <port>` with extra args; resolves once it listens. */
export async function startReplica(gw: string, extra: readonly string[], port = 0): Promise<Replica> {
  const child = spawn(process.execPath, [bin, 'serve', '--dir', gw, '--port', String(port), ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      const found = /listening on (http:\/\/127\.0\.0\.1:[0-9]+)/.exec(err);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${err}`)));
  });
  return { child, url, port: Number(new URL(url).port), exited, stderr: () => err };
}

/** SIGTERM (or the given signal) to the replica's own pid; resolves once it has exited. */
export async function stopReplica(r: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
  return r.exited;
}

/** The URL with ?schema= set. */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}
