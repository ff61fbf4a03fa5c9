/**
 * Gateway replicas as real child processes (`edc-gateway serve --store ...`) for the PostgreSQL
 * tests, the gateway folder they share, and a TCP front that spreads connections over them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { loadGatewayDir, type GatewayKeys } from '../../gateway/config.ts';

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

/**
 * `edc-gateway init --dir gw` with the rate limits out of the way and logs silent, then
 * `edc-gateway migrate --store storeUrl`; returns the gateway's keys.
 */
export async function initGateway(gw: string, storeUrl: string): Promise<GatewayKeys> {
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const configPath = join(gw, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  const high = { rateRequestsMax: 1_000_000, rateAddressRequestsMax: 1_000_000, logLevel: 'silent' };
  await writeFile(configPath, JSON.stringify({ ...config, ...high }, null, 2));
  const keys = (await loadGatewayDir(gw)).keys;
  expect((await cli('migrate', '--store', storeUrl)).code).toBe(0);
  return keys;
}

export interface Front {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Destroys every connection through it and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP front on 127.0.0.1, as a load balancer: the n-th new connection (from 0) goes to port
 * `upstreamPort(n)` on 127.0.0.1; a connection refused there is closed.
 */
export function startFront(upstreamPort: (n: number) => number): Promise<Front> {
  const sockets = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    const upstream = connect(upstreamPort(next++), '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close });
    }),
  );
}
