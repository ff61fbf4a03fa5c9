/**
 * The edc-agent commands. Each takes its argv (after the command words) and an output sink,
 * and returns the exit status; errors are thrown as coded EdcErrors and printed by cli.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { publicKeyFromSeed } from '../../protocol/crypto/index.ts';
import { openAgentCore } from '../core/index.ts';
import type { AgentCore } from '../core/index.ts';
import { configFileName, createKey, ledgerPath, loadConfig, loadSeed, parseConfig, readGatewayCa } from '../config.ts';
import type { AgentConfig } from '../config.ts';
import { createAgentLogger } from '../logger.ts';
import { buildReport } from '../status/report.ts';
import type { StatusReport } from '../status/report.ts';
import { outcomeJson, statusHost } from '../status/server.ts';
import { parseFlags, parseIntegerFlag, parseSerialFlag, parseTcpFlag, requireString } from './args.ts';
import { ERR_CONFIG_EXISTS } from '../config-errors.ts';
import { ERR_LEDGER_INVALID, ERR_EXPORT_WRITE } from './errors.ts';
import { helpTexts } from './help.ts';
import { forwarderFor, startAgent } from './runtime.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export type Command = (argv: readonly string[], io: Output) => Promise<number>;

const dirFlag = { dir: { type: 'string' } } as const;

function helpOr(name: string, values: Record<string, unknown>, io: Output): boolean {
  if (values.help !== true) return false;
  io.out(helpTexts[name] ?? '');
  return true;
}

export const init: Command = async (argv, io) => {
  const values = parseFlags('init', argv, {
    ...dirFlag,
    'agent-id': { type: 'string' },
    gateway: { type: 'string' },
    'gateway-public-key': { type: 'string' },
    'gateway-ca': { type: 'string' },
    serial: { type: 'string', multiple: true },
    tcp: { type: 'string' },
    'status-port': { type: 'string' },
  });
  if (helpOr('init', values, io)) return 0;
  const dir = requireString('init', values, 'dir');
  const statusPort = parseIntegerFlag('status-port', values['status-port'] as string | undefined, 1, 65535);
  const config = parseConfig(
    {
      v: 1,
      agentId: requireString('init', values, 'agent-id'),
      gatewayUrl: requireString('init', values, 'gateway'),
      gatewayPublicKey: requireString('init', values, 'gateway-public-key'),
      // Kept absolute: agent.json names it relative to D, the flag relative to where init runs.
      ...(typeof values['gateway-ca'] === 'string' ? { gatewayCa: resolve(values['gateway-ca']) } : {}),
      serial: ((values.serial as string[] | undefined) ?? []).map(parseSerialFlag),
      tcp: typeof values.tcp === 'string' ? parseTcpFlag(values.tcp) : null,
      ...(statusPort === undefined ? {} : { statusPort }),
    },
    'flags',
  );
  readGatewayCa(dir, config); // a pinned CA that cannot be read or is no PEM: refused before anything is written
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const configPath = join(dir, configFileName);
  try {
    await writeFile(configPath, JSON.stringify(config, null, 2) + '\n', { flag: 'wx', mode: 0o644 });
  } catch {
    throw new ERR_CONFIG_EXISTS(`Konfigurasi sudah ada / ${configPath} already exists; refusing to overwrite`, {
      path: configPath,
    });
  }
  const publicKey = await createKey(dir);
  io.out(
    `Agen ${config.agentId} siap. Daftarkan kunci publik ini di gateway / ` +
      `Agent ${config.agentId} ready. Enroll this public key at the gateway:`,
  );
  io.out(publicKey);
  return 0;
};

export const publicKey: Command = async (argv, io) => {
  const values = parseFlags('public-key', argv, dirFlag);
  if (helpOr('public-key', values, io)) return 0;
  io.out(publicKeyFromSeed(await loadSeed(requireString('public-key', values, 'dir'))));
  return 0;
};

export const start: Command = async (argv, io) => {
  const values = parseFlags('start', argv, dirFlag);
  if (helpOr('start', values, io)) return 0;
  const dir = requireString('start', values, 'dir');
  const config = await loadConfig(dir);
  const seed = await loadSeed(dir);
  const logger = createAgentLogger({ level: config.logLevel });
  const agent = await startAgent({ dir, config, seed, logger });
  io.err(`Agen ${config.agentId} berjalan / running; status: http://${statusHost}:${agent.statusPort}/v1/status`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await agent.stop();
  io.err(`Agen ${config.agentId} berhenti / stopped`);
  return 0;
};

/** Asks the running agent (status endpoint); undefined when nothing answers. */
async function askRunning(
  config: AgentConfig,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs: number,
): Promise<unknown> {
  try {
    const response = await fetch(`http://${statusHost}:${config.statusPort}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    return await response.json();
  } catch {
    return undefined;
  }
}

/** Opens the ledger of a stopped agent; a running agent holds the lock and the core says so. */
async function withCore<T>(
  dir: string,
  run: (core: AgentCore, config: AgentConfig, seed: string) => Promise<T>,
): Promise<T> {
  const config = await loadConfig(dir);
  const seed = await loadSeed(dir);
  const logger = createAgentLogger({ level: 'warn', destination: process.stderr });
  const core = await openAgentCore({
    dir: ledgerPath(dir, config),
    agentId: config.agentId,
    seed,
    gatewayPublicKey: config.gatewayPublicKey,
    logger,
    utcOffsetMinutes: config.utcOffsetMinutes,
  });
  try {
    return await run(core, config, seed);
  } finally {
    await core.close();
  }
}

export const status: Command = async (argv, io) => {
  const values = parseFlags('status', argv, { ...dirFlag, json: { type: 'boolean' } });
  if (helpOr('status', values, io)) return 0;
  const dir = requireString('status', values, 'dir');
  const config = await loadConfig(dir);
  let report = (await askRunning(config, 'GET', '/v1/status', 3_000)) as StatusReport | undefined;
  report ??= await withCore(dir, async (core) =>
    buildReport({
      core: await core.status(),
      links: [],
      forwarder: null,
      running: false,
      now: Date.now(),
      utcOffsetMinutes: config.utcOffsetMinutes,
    }),
  );
  if (values.json === true) io.out(JSON.stringify(report, null, 2));
  else io.out([...report.summary.id, '', ...report.summary.en].join('\n'));
  return 0;
};

export const sync: Command = async (argv, io) => {
  const values = parseFlags('sync', argv, dirFlag);
  if (helpOr('sync', values, io)) return 0;
  const dir = requireString('sync', values, 'dir');
  const config = await loadConfig(dir);
  let outcome = (await askRunning(config, 'POST', '/v1/sync', config.forward.requestTimeoutMs * 4)) as
    Record<string, unknown> | undefined;
  outcome ??= await withCore(dir, async (core, _config, seed) => {
    const logger = createAgentLogger({ level: 'warn', destination: process.stderr });
    return outcomeJson(await forwarderFor(core, { dir, config, seed, logger }).syncNow());
  });
  io.out(JSON.stringify(outcome, null, 2));
  if (outcome.ok === true) {
    io.err(`Sinkron berhasil / Sync done: ${String(outcome.uploaded)} transaksi terkirim / entries sent`);
    return 0;
  }
  const error = outcome.error as { code?: string; message?: string } | undefined;
  io.err(`Sinkron gagal / Sync failed: ${error?.code ?? '?'}: ${error?.message ?? ''}`);
  return 1;
};

export const ledgerVerify: Command = async (argv, io) => {
  const values = parseFlags('ledger verify', argv, dirFlag);
  if (helpOr('ledger verify', values, io)) return 0;
  const result = await withCore(requireString('ledger verify', values, 'dir'), (core) => core.verifyLedger());
  io.out(JSON.stringify(result, null, 2));
  if (!result.ok) {
    throw new ERR_LEDGER_INVALID(
      `Buku besar bermasalah / Ledger verification found ${result.problems.length} problem(s): ` +
        result.problems.slice(0, 3).join('; '),
      {
        problems: result.problems.length,
      },
    );
  }
  io.err(`Buku besar utuh / Ledger OK: ${result.entries} entries, head seq ${result.head.seq}`);
  return 0;
};

export const ledgerExport: Command = async (argv, io) => {
  const values = parseFlags('ledger export', argv, {
    ...dirFlag,
    out: { type: 'string' },
    'from-seq': { type: 'string' },
  });
  if (helpOr('ledger export', values, io)) return 0;
  const dir = requireString('ledger export', values, 'dir');
  const out = requireString('ledger export', values, 'out');
  const fromSeq = parseIntegerFlag('from-seq', values['from-seq'] as string | undefined, 1, Number.MAX_SAFE_INTEGER);
  const bundle = await withCore(dir, (core) => core.exportBundle(fromSeq));
  try {
    await writeFile(out, JSON.stringify(bundle) + '\n', { flag: 'wx' });
  } catch (err) {
    throw new ERR_EXPORT_WRITE(
      `Tidak bisa menulis bundel / Cannot write bundle to ${out}: ${(err as Error).message}`,
      { path: out },
      err,
    );
  }
  io.err(
    `Bundel ditulis / Bundle written: ${out} ` +
      `(seq ${bundle.manifest.fromSeq}..${bundle.manifest.toSeq}, ${bundle.entries.length} entries)`,
  );
  return 0;
};

export const resume: Command = async (argv, io) => {
  const values = parseFlags('resume', argv, dirFlag);
  if (helpOr('resume', values, io)) return 0;
  const previous = await withCore(requireString('resume', values, 'dir'), async (core) => {
    const reason = (await core.status()).haltReason;
    await core.setForwardingHalt(null);
    return reason;
  });
  io.err(
    previous === null
      ? 'Pengiriman tidak sedang dihentikan / Forwarding was not halted'
      : `Alarm dihapus / Halt cleared (was: ${previous})`,
  );
  return 0;
};
