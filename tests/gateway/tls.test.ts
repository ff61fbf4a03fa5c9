/**
 * HTTPS end to end: `edc-gateway serve --tls-cert --tls-key` as a real process with a certificate
 * from a CA made in the test, and a real agent (its core on LevelDB, its forwarder built from
 * agent.json) that pins that CA in `gatewayCa`: it fetches its entitlement set, pays a withdrawal
 * and forwards it over HTTPS. An agent pinning another CA refuses the gateway with
 * EDC_ERR_FORWARD_TLS and sends nothing. Bad TLS files are coded errors before anything opens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runAgentCli } from '../../agent/cli.ts';
import { forwarderFor } from '../../agent/cli/runtime.ts';
import { loadConfig, readGatewayCa } from '../../agent/config.ts';
import { openAgentCore, type AgentCore } from '../../agent/core/index.ts';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import { generateSigningKeyPair, toBase64 } from '../../protocol/crypto/index.ts';
import { cards, withdrawal } from '../agent/core/fixtures.ts';
import { row } from './helpers.ts';
import { makeCa, makeServerCert, type TestCa, type TestServerCert } from './tls-support.ts';

const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;
const silent = pino({ level: 'silent' });
let dir: string;
let gw: string;
let ca: TestCa;
let rogueCa: TestCa;
let server: TestServerCert;
let child: ChildProcess | undefined;
let url: string;
let staffToken: string;
const agentKeys = generateSigningKeyPair();

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTty: false, now: Date.now };
  return { code: await runCli(argv, io), out, err };
}

async function startServe(): Promise<string> {
  child = spawn(
    process.execPath,
    [bin, 'serve', '--dir', gw, '--port', '0', '--tls-cert', server.certFile, '--tls-key', server.keyFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  return new Promise<string>((resolve, reject) => {
    child!.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      const found = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (found) resolve(found[1]!);
    });
    child!.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-tls-'));
  ca = makeCa(dir, 'bank');
  rogueCa = makeCa(dir, 'rogue');
  server = makeServerCert(dir, 'gateway', ca);
  gw = join(dir, 'gw');
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const configPath = join(gw, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, JSON.stringify({ ...config, logLevel: 'warn' }));
  const { store } = await openGateway(gw);
  await store.applyDisbursements(
    cards.slice(0, 2).map((card) => row(card.kpmId, 750_000, { pan: card.pan, reference: `REF-${card.kpmId}` })),
    { fileSha256: 'a'.repeat(64), now: Date.now() },
  );
  await store.addAgent(
    {
      agentId: 'AGT-001',
      publicKey: agentKeys.publicKey,
      bank: 'BRI',
      regionCode: '3201010001',
      kpmIds: cards.slice(0, 2).map((c) => c.kpmId),
    },
    { move: false, now: Date.now(), lookupKey: toBase64(randomBytes(32)) },
  );
  await store.close();
  staffToken = (await cli('tokens', 'create', '--dir', gw, '--role', 'viewer')).out.trim();
  url = await startServe();
}, 60_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

/** An agent folder whose agent.json pins caFile (copied in, named relative to the folder). */
async function agentDir(name: string, caFile: string): Promise<string> {
  const agent = join(dir, name);
  await mkdir(agent, { recursive: true });
  await copyFile(caFile, join(agent, 'gateway-ca.pem'));
  const gatewayPublicKey = (await cli('public-key', '--dir', gw)).out.trim();
  await writeFile(
    join(agent, 'agent.json'),
    JSON.stringify({ v: 1, agentId: 'AGT-001', gatewayUrl: url, gatewayCa: 'gateway-ca.pem', gatewayPublicKey }),
  );
  return agent;
}

async function withAgent<T>(agent: string, fn: (core: AgentCore, sync: () => Promise<unknown>) => Promise<T>) {
  const config = await loadConfig(agent);
  const core = await openAgentCore({
    dir: join(agent, 'ledger'),
    agentId: config.agentId,
    seed: agentKeys.seed,
    gatewayPublicKey: config.gatewayPublicKey,
    logger: silent,
  });
  try {
    const forwarder = forwarderFor(core, { dir: agent, config, seed: agentKeys.seed, logger: silent });
    return await fn(core, () => forwarder.syncNow());
  } finally {
    await core.close();
  }
}

describe('serve --tls-cert/--tls-key with an agent pinning the gateway CA', () => {
  it('serves HTTPS only: a plain HTTP request to the port gets no HTTP answer', async () => {
    expect(url.startsWith('https://')).toBe(true);
    await expect(fetch(url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
  });

  it('the agent fetches its set, pays, and forwards over HTTPS; the gateway counts the withdrawal', async () => {
    const agent = await agentDir('agent-ok', ca.certFile);
    await withAgent(agent, async (core, sync) => {
      expect(await sync()).toMatchObject({ ok: true, uploaded: 0, entitlementSetId: expect.any(String) });
      const answer = await core.handle(withdrawal(cards[0]!.pan, 150_000));
      expect(answer.fields[39]).toBe('00');
      expect(await sync()).toMatchObject({ ok: true, uploaded: 1, ackSeq: 1 });
      expect(core.ackHead()).toEqual(core.head());
    });
    const dispatcher = new Agent({ connect: { ca: await readFile(ca.certFile, 'utf8') } });
    const response = await fetch(`${url}/v1/staff/tahap/2026-IV/summary`, {
      headers: { authorization: `Bearer ${staffToken}` },
      dispatcher,
    });
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('150000');
    await dispatcher.close();
  });

  it('an agent pinning another CA refuses the gateway: EDC_ERR_FORWARD_TLS, retryable, nothing sent', async () => {
    const agent = await agentDir('agent-rogue', rogueCa.certFile);
    await withAgent(agent, async (core, sync) => {
      const outcome = (await sync()) as { ok: boolean; halted: boolean; error: { code: string; details: object } };
      expect(outcome.ok).toBe(false);
      expect(outcome.halted).toBe(false);
      expect(outcome.error.code).toBe('EDC_ERR_FORWARD_TLS');
      expect(outcome.error.details).toMatchObject({ retryable: true });
      expect((await core.status()).haltReason).toBeNull();
    });
  });

  it('agent.json: gatewayCa needs an https URL; a missing or non-PEM CA file is EDC_ERR_GATEWAY_CA', async () => {
    const agent = await agentDir('agent-bad', ca.certFile);
    const text = await readFile(join(agent, 'agent.json'), 'utf8');
    await writeFile(join(agent, 'agent.json'), text.replace('https://', 'http://'));
    await expect(loadConfig(agent)).rejects.toMatchObject({ code: 'EDC_ERR_CONFIG_INVALID' });
    await writeFile(join(agent, 'agent.json'), text);
    const config = await loadConfig(agent);
    expect(readGatewayCa(agent, config)).toContain('BEGIN CERTIFICATE');
    await writeFile(join(agent, 'gateway-ca.pem'), 'not a certificate\n');
    expect(() => readGatewayCa(agent, config)).toThrow(/EDC_ERR_GATEWAY_CA|holds no PEM certificate/);
    await rm(join(agent, 'gateway-ca.pem'));
    expect(() => readGatewayCa(agent, config)).toThrow(/Cannot read gatewayCa/);
  });
});

describe('edc-agent init --gateway-ca', () => {
  async function agentInit(dirName: string, gateway: string, caFile: string) {
    const out: string[] = [];
    const err: string[] = [];
    const argv = ['init', '--dir', join(dir, dirName), '--agent-id', 'AGT-009', '--gateway', gateway];
    const gatewayPublicKey = generateSigningKeyPair().publicKey;
    argv.push('--gateway-public-key', gatewayPublicKey, '--gateway-ca', caFile);
    const code = await runAgentCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err: err.join('\n') };
  }

  it('writes gatewayCa as an absolute path the forwarder then reads', async () => {
    const res = await agentInit('init-ok', 'https://127.0.0.1:8443', ca.certFile);
    expect(res.code).toBe(0);
    const config = await loadConfig(join(dir, 'init-ok'));
    expect(config.gatewayCa).toBe(ca.certFile);
    expect(readGatewayCa(join(dir, 'init-ok'), config)).toBe(await readFile(ca.certFile, 'utf8'));
  });

  it('a CA file that is not there: EDC_ERR_GATEWAY_CA, exit 1, nothing written', async () => {
    const res = await agentInit('init-missing', 'https://127.0.0.1:8443', join(dir, 'absent.pem'));
    expect(res.code).toBe(1);
    expect(res.err).toContain('EDC_ERR_GATEWAY_CA');
    await expect(readFile(join(dir, 'init-missing', 'agent.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a pinned CA with an http:// gateway: EDC_ERR_CONFIG_INVALID naming gatewayCa', async () => {
    const res = await agentInit('init-http', 'http://127.0.0.1:8080', ca.certFile);
    expect(res.code).toBe(1);
    expect(res.err).toContain('EDC_ERR_CONFIG_INVALID');
    expect(res.err).toContain('gatewayCa: a pinned gateway CA needs an https:// gatewayUrl');
  });
});

describe('serve: bad TLS files are one coded bilingual line, exit 1, before the store opens', () => {
  it('an unreadable certificate: EDC_ERR_TLS_FILE naming the file', async () => {
    const missing = join(dir, 'nope.pem');
    const res = await cli('serve', '--dir', gw, '--port', '0', '--tls-cert', missing, '--tls-key', server.keyFile);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^edc-gateway: EDC_ERR_TLS_FILE: Berkas sertifikat TLS .* tidak dapat dibaca/);
    expect(res.err).toContain(`Cannot read TLS certificate ${missing} (ENOENT)`);
    expect(res.err.trim().split('\n')).toHaveLength(1);
  });

  it('a file that holds no PEM key: EDC_ERR_TLS_FILE', async () => {
    const res = await cli('serve', '--dir', gw, '--tls-cert', server.certFile, '--tls-key', server.certFile);
    expect(res.code).toBe(1);
    expect(res.err).toContain('EDC_ERR_TLS_FILE');
    expect(res.err).toContain('expected an unencrypted PEM private key');
  });

  it("a key that is not the certificate's: EDC_ERR_TLS_MISMATCH", async () => {
    const res = await cli('serve', '--dir', gw, '--tls-cert', server.certFile, '--tls-key', rogueCa.keyFile);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^edc-gateway: EDC_ERR_TLS_MISMATCH: Kunci privat .* bukan pasangan sertifikat/);
    expect(res.err).toContain('does not belong to the certificate');
  });

  it('config.json tls: paths relative to the gateway directory are read from there', async () => {
    const other = join(dir, 'gw-config');
    expect((await cli('init', '--dir', other)).code).toBe(0);
    await copyFile(server.certFile, join(other, 'tls.pem'));
    await copyFile(rogueCa.keyFile, join(other, 'tls.key'));
    const configPath = join(other, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, tls: { certFile: 'tls.pem', keyFile: 'tls.key' } }));
    const res = await cli('serve', '--dir', other, '--port', '0');
    expect(res.code).toBe(1);
    expect(res.err).toContain('EDC_ERR_TLS_MISMATCH');
    expect(res.err).toContain(join(other, 'tls.key'));
  });

  it('--tls-cert without --tls-key is a usage error (exit 2)', async () => {
    const res = await cli('serve', '--dir', gw, '--tls-cert', server.certFile);
    expect(res.code).toBe(2);
    expect(res.err).toContain('EDC_ERR_CLI_USAGE');
    expect(res.err).toContain('Expected both --tls-cert and --tls-key, or neither');
  });
});
