import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../../protocol/crypto/index.ts';
import { runCli } from '../../../agent/cli.ts';
import type { StatusReport } from '../../../agent/status/report.ts';
import { FakeGateway } from './support/fake-gateway.ts';

const bin = resolve(import.meta.dirname, '../../../bin/edc-agent.mjs');
const gatewayKey = generateSigningKeyPair().publicKey;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edc-agent-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function initArgs(dir: string, statusPort: number): string[] {
  return [
    'init',
    '--dir',
    dir,
    '--agent-id',
    'AGT-001',
    '--gateway',
    'http://127.0.0.1:9',
    '--gateway-public-key',
    gatewayKey,
    '--tcp',
    '127.0.0.1:0',
    '--status-port',
    String(statusPort),
  ];
}

describe('edc-agent flags', () => {
  it.each([
    [['init', '--dir', 'x', '--bogus']],
    [['start']],
    [['status', '--dir']],
    [['frobnicate']],
    [['ledger', 'shred', '--dir', 'x']],
    [
      [
        'init',
        '--dir',
        'x',
        '--agent-id',
        'AGT-001',
        '--gateway',
        'http://g',
        '--gateway-public-key',
        'k',
        '--tcp',
        'nohost',
      ],
    ],
    [
      [
        'init',
        '--dir',
        'x',
        '--agent-id',
        'AGT-001',
        '--gateway',
        'http://g',
        '--gateway-public-key',
        'k',
        '--status-port',
        '99999',
      ],
    ],
  ])('refuses %j with EDC_ERR_CLI_USAGE, exit 2 and one line', async (argv) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(/^edc-agent: EDC_ERR_CLI_USAGE: /);
  });

  it.each(['init', 'start', 'status', 'sync', 'resume', 'public-key', 'ledger verify', 'ledger export'])(
    'prints Bahasa Indonesia help first for `%s --help`',
    async (command) => {
      const result = await cli(...command.split(' '), '--help');
      expect(result.code).toBe(0);
      expect(result.out.join('\n')).toMatch(/--dir D[\s\S]*folder agen/);
    },
  );

  it('refuses a config that fails the schema with EDC_ERR_CONFIG_INVALID naming the field', async () => {
    const result = await cli(
      'init',
      '--dir',
      join(root, 'bad'),
      '--agent-id',
      'a',
      '--gateway',
      'ftp://x',
      '--gateway-public-key',
      gatewayKey,
    );
    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/EDC_ERR_CONFIG_INVALID: .*agentId: .*gatewayUrl: expected an absolute http/);
  });
});

describe('edc-agent init', () => {
  it('writes agent.json and a 0600 key, prints the public key, and refuses to run twice', async () => {
    const dir = join(root, 'init');
    const first = await cli(...initArgs(dir, 17_431));
    expect(first.code).toBe(0);
    expect(first.out[1]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect((await stat(join(dir, 'agent.key'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8'))).toMatchObject({
      agentId: 'AGT-001',
      tcp: { host: '127.0.0.1', port: 0 },
      statusPort: 17_431,
    });
    const again = await cli(...initArgs(dir, 17_431));
    expect([again.code, again.err[0]?.split(':')[1]?.trim()]).toEqual([1, 'EDC_ERR_CONFIG_EXISTS']);
    expect((await cli('public-key', '--dir', dir)).out[0]).toBe(first.out[1]);
  });

  it('refuses a key readable by others', async () => {
    const dir = join(root, 'perm');
    await cli(...initArgs(dir, 17_432));
    await chmod(join(dir, 'agent.key'), 0o644);
    const result = await cli('public-key', '--dir', dir);
    expect(result.err[0]).toMatch(/^edc-agent: EDC_ERR_KEY_PERMISSIONS: /);
  });
});

describe('edc-agent start (child processes)', () => {
  it(
    'a second start on the same folder fails with one clear line while the first serves status;' +
      ' SIGTERM stops the first cleanly',
    async () => {
      const dir = join(root, 'start');
      await cli(...initArgs(dir, 17_433));
      const first = spawn(process.execPath, [bin, 'start', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      first.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        await expect.poll(() => stderr, { timeout: 15_000 }).toContain('berjalan');
        const second = spawnSync(process.execPath, [bin, 'start', '--dir', dir], { encoding: 'utf8', timeout: 15_000 });
        expect(second.status).toBe(1);
        expect(second.stderr.trim().split('\n')).toHaveLength(1);
        expect(second.stderr).toMatch(/^edc-agent: EDC_ERR_LEDGER_LOCKED: .*another edc-agent process/);
        const status = spawnSync(process.execPath, [bin, 'status', '--dir', dir, '--json'], {
          encoding: 'utf8',
          timeout: 15_000,
        });
        const report = JSON.parse(status.stdout) as {
          running: boolean;
          summary: { id: string[] };
          links: Array<{ kind: string }>;
        };
        expect(report.running).toBe(true);
        expect(report.summary.id[0]).toBe('Status agen AGT-001: berjalan');
        expect(report.links.map((l) => l.kind)).toEqual(['tcp-listener']);
      } finally {
        const exited = new Promise<number | null>((done) => first.once('exit', (code) => done(code)));
        first.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
      expect(stderr).toContain('berhenti / stopped');
      const verify = await cli('ledger', 'verify', '--dir', dir);
      expect(verify.code).toBe(0);
    },
  );
});

describe('edc-agent --version and ledger --help', () => {
  it('prints the package version, in process and through bin/edc-agent.mjs', async () => {
    const pkg = JSON.parse(await readFile(resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli('--version')).toEqual({ code: 0, out: [pkg.version], err: [] });
    const child = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', timeout: 15_000 });
    expect([child.status, child.stdout.trim()]).toEqual([0, pkg.version]);
  });

  it('prints the ledger commands for `ledger --help` (exit 0) and for a bare `ledger` (exit 2)', async () => {
    const help = await cli('ledger', '--help');
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/ledger verify --dir D[\s\S]*ledger export --dir D --out FILE/);
    expect((await cli('ledger')).code).toBe(2);
  });
});

/** An agent folder whose gateway is `url`, TCP and status on free ports, quick retries. */
async function agentFolder(name: string, url: string, gatewayPublicKey: string): Promise<{ dir: string; key: string }> {
  const dir = join(root, name);
  const made = await cli(
    'init',
    '--dir',
    dir,
    '--agent-id',
    'AGT-001',
    '--gateway',
    url,
    '--gateway-public-key',
    gatewayPublicKey,
    '--tcp',
    '127.0.0.1:0',
  );
  expect(made.code).toBe(0);
  const config = JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8')) as Record<string, unknown>;
  const forward = { intervalMs: 1_000, backoffBaseMs: 50, backoffCapMs: 200, requestTimeoutMs: 2_000 };
  await writeFile(join(dir, 'agent.json'), JSON.stringify({ ...config, statusPort: 0, logLevel: 'warn', forward }));
  return { dir, key: made.out[1]! };
}

interface Started {
  readonly status: () => Promise<StatusReport>;
  stop(): Promise<number | null>;
}

async function startChild(dir: string): Promise<Started> {
  const child = spawn(process.execPath, [bin, 'start', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await expect.poll(() => stderr, { timeout: 20_000 }).toMatch(/status: http:\/\/127\.0\.0\.1:\d+/);
  const url = /status: (http:\/\/127\.0\.0\.1:\d+\/v1\/status)/.exec(stderr)![1]!;
  return {
    status: async () => (await (await fetch(url)).json()) as StatusReport,
    stop: () => {
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('halts that heal and edc-agent resume (child processes, a gateway on loopback)', () => {
  it(
    'a revoked agent stays halted until `edc-agent resume`, which clears it; a clock the gateway refuses' +
      ' (401 EDC_ERR_AUTH_TIMESTAMP) never halts and heals once the clock is right',
    async () => {
      const gateway = new FakeGateway('AGT-001');
      const served = await gateway.listen();
      try {
        const { dir, key } = await agentFolder('resume', served.url, gateway.keys.publicKey);
        gateway.agentPublicKey = key;
        gateway.refusal = { status: 403, code: 'EDC_ERR_AUTH_AGENT' };
        let agent = await startChild(dir);
        await expect.poll(async () => (await agent.status()).haltReason, { timeout: 20_000 }).toMatch(/AUTH_AGENT/);
        expect(await agent.stop()).toBe(0);
        gateway.refusal = undefined;
        const resume = spawnSync(process.execPath, [bin, 'resume', '--dir', dir], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect([resume.status, resume.stderr]).toEqual([
          0,
          expect.stringMatching(/^Alarm dihapus \/ Halt cleared \(was: EDC_ERR_FORWARD_AUTH/),
        ]);
        const stopped = spawnSync(process.execPath, [bin, 'status', '--dir', dir, '--json'], { encoding: 'utf8' });
        expect((JSON.parse(stopped.stdout) as StatusReport).haltReason).toBeNull();

        gateway.skewMaxMs = 300_000;
        gateway.now = () => Date.now() - 10 * 60_000; // the agent's clock is 10 minutes fast
        agent = await startChild(dir);
        await expect
          .poll(async () => (await agent.status()).forwarder?.lastError?.code, { timeout: 20_000 })
          .toBe('EDC_ERR_FORWARD_CLOCK_SKEW');
        // Between retries the forwarder is `syncing` again for a moment: wait for a backoff, which
        // comes with no halt (a halt would stop the retries and stay).
        await expect
          .poll(
            async () => {
              const report = await agent.status();
              return [report.haltReason, report.forwarder?.state];
            },
            { timeout: 20_000 },
          )
          .toEqual([null, 'backoff']);
        const skewed = await agent.status();
        expect(skewed.haltReason).toBeNull();
        expect(skewed.summary.id).toContain(
          'Jam agen berbeda dengan jam gateway - perbaiki jam komputer; pengiriman dicoba lagi otomatis',
        );
        gateway.now = Date.now;
        await expect.poll(async () => (await agent.status()).online, { timeout: 20_000 }).toBe(true);
        expect(await agent.stop()).toBe(0);
      } finally {
        await served.close();
      }
    },
    90_000,
  );
});
