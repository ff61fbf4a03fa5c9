/**
 * The top README's walkthrough ("Try it: one village, end to end"), run as a person pasting it
 * would: each command in order, by bash, in a fresh folder, with real processes. The block is
 * read from README.md itself, so an example that stops working fails here. What the test adds:
 * `npx edc-*` runs this clone's bin/ (a shim on PATH: the folder is outside the clone); the
 * README's ports (8080, 9000, 7420, 9100) become free ports, since tests run side by side; a
 * command ending in `&` runs in the background and the next command waits until it is ready, as
 * the README's comments tell a person to; `kill %N` and `wait` act on those jobs as bash would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const readyWaitMs = 60_000;
const jobs: ChildProcess[] = [];
let dir: string | undefined;

afterAll(async () => {
  const running = jobs.filter((job) => job.exitCode === null && job.signalCode === null);
  for (const job of running) job.kill('SIGTERM');
  await Promise.all(running.map((job) => new Promise((r) => job.once('exit', r))));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The commands of the walkthrough block: continuation lines joined, comments and blanks dropped. */
async function walkthrough(): Promise<string[]> {
  const readme = await readFile(join(repo, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- walkthrough: run by tests/simulators/readme/walkthrough.test.ts -->');
  expect(marker).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker))![1]!;
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

async function until(ready: () => Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; !(await ready()); waited += 100) {
    if (waited > readyWaitMs) throw new Error(`${what} was not ready after ${readyWaitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const answers = (url: string) => () =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

interface Ran {
  readonly command: string;
  readonly status: number | null;
  readonly out: string;
  readonly err: string;
}

function run(command: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    child.once('close', (status) => done({ command, status, out, err }));
  });
}

describe('README walkthrough', () => {
  it('runs as written: bank files, gateway, agent, terminal through the monitor, sync, reconcile', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edc-readme-'));
    const bin = join(dir, '.bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'npx'),
      '#!/bin/sh\n' +
        'case "$1" in edc-agent|edc-gateway|edc-sim) ;; *) echo "npx shim: $1 is not ours" >&2; exit 127;; esac\n' +
        `cmd=$1; shift\nexec "${process.execPath}" "${repo}/bin/$cmd.mjs" "$@"\n`,
    );
    await chmod(join(bin, 'npx'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const ports: Record<string, number> = { 8080: await freePort(), 9000: await freePort(), 7420: await freePort() };
    ports[9100] = await freePort();
    const local = (command: string): string => command.replace(/\b(8080|9000|7420|9100)\b/g, (p) => String(ports[p]));

    const results: Ran[] = [];
    for (const line of await walkthrough()) {
      const command = local(line);
      const kill = /^kill ((?:%[0-9]+ ?)+)(; wait)?(\s+#.*)?$/.exec(command);
      if (kill !== null) {
        const stopped = kill[1]!
          .trim()
          .split(' ')
          .map((job) => jobs[Number(job.slice(1)) - 1]!);
        const exits = stopped.map((job) => new Promise((r) => job.once('exit', (code) => r(code))));
        for (const job of stopped) job.kill('SIGTERM');
        expect(await Promise.all(exits)).toEqual(stopped.map(() => 0));
        continue;
      }
      if (command.endsWith('&')) {
        const job = spawn('bash', ['-c', `exec ${command.slice(0, -1)}`], { cwd: dir, env, stdio: 'ignore' });
        jobs.push(job);
        if (command.includes('edc-gateway serve'))
          await until(answers(`http://127.0.0.1:${ports[8080]}/readyz`), 'gateway');
        else if (command.includes('edc-agent start'))
          await until(answers(`http://127.0.0.1:${ports[7420]}/healthz`), 'agent');
        else if (command.includes('edc-sim monitor'))
          await until(
            async () => (await readFile(join(dir!, 'monitor.log'), 'utf8').catch(() => '')).includes('listening on'),
            'monitor',
          );
        continue;
      }
      const result = await run(command, env, dir);
      results.push(result);
      expect(result, `${command}\n${result.err}`).toMatchObject({ status: 0 });
    }

    const output = (fragment: string): Ran => results.find((r) => r.command.includes(fragment))!;
    expect(output('head -3 bri-cards.csv').out).toContain(
      'KPM-0000000009,BRI,1671112024,6032980000000085,691999,1350000',
    );
    const struk = output('edc-sim terminal').out;
    expect(struk).toMatch(/STRUK TARIK TUNAI[\s\S]*\*\*\* OFFLINE \*\*\*[\s\S]*Toko Sumber Rejeki/);
    expect(struk).toMatch(/Agen +: AGT-BRI-0001\n[\s\S]*Jumlah +: Rp 150\.000\nStatus +: DISETUJUI/);
    expect(struk).toMatch(/Sisa Bantuan +: Rp 1\.200\.000/);
    const monitorLog = await readFile(join(dir, 'monitor.log'), 'utf8');
    expect(monitorLog).toMatch(/T>A #1 +frame [0-9]+ B: 0200 cash withdrawal\n/);
    expect(monitorLog).toContain('603298******0085');
    expect(monitorLog + struk).not.toContain('6032980000000085');
    expect(output('monitor --read').out.trim().split('\n')).toHaveLength(3);
    const syncs = results.filter((r) => r.command.includes('edc-agent sync'));
    expect(JSON.parse(syncs[1]!.out)).toMatchObject({ ok: true, uploaded: 1 });
    expect(JSON.parse(output('edc-gateway reconcile').out)).toMatchObject({ agree: true });
  }, 300_000);
});
