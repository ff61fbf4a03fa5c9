/**
 * The agent's configuration (D/agent.json) and key (D/agent.key), parsed by one zod schema with
 * messages an operator can act on. The key file holds the 32-byte Ed25519 seed in base64 and is
 * created 0600; a key readable by others is refused, because whoever has it can sign entries
 * and requests as this agent.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { fromBase64, publicKeyFromSeed, toBase64 } from '../protocol/crypto/index.ts';
import { AgentId, Base64Key32, uploadEntriesMax } from '../protocol/messages/index.ts';
import {
  ERR_CONFIG_INVALID,
  ERR_CONFIG_MISSING,
  ERR_KEY_INVALID,
  ERR_KEY_PERMISSIONS,
  ERR_CONFIG_EXISTS,
  ERR_GATEWAY_CA,
} from './config-errors.ts';

export const configFileName = 'agent.json';
export const keyFileName = 'agent.key';

const baudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

const GatewayUrl = z.string().refine((text) => {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}, 'expected an absolute http:// or https:// URL');

const Port = z.number().int().min(0).max(65535);

export const SerialPortConfig = z.strictObject({
  path: z.string().min(1).max(256),
  baudRate: z
    .union(baudRates.map((rate) => z.literal(rate)) as [z.ZodLiteral<9600>, ...Array<z.ZodLiteral<number>>])
    .default(9600),
});

export const AgentConfig = z
  .strictObject({
    v: z.literal(1),
    agentId: AgentId,
    gatewayUrl: GatewayUrl,
    /**
     * PEM file of the CA that signed the gateway's HTTPS certificate (relative to the agent folder
     * unless absolute). When set the forwarder trusts only this CA, and gatewayUrl must be https.
     */
    gatewayCa: z.string().min(1).max(4096).nullable().default(null),
    gatewayPublicKey: Base64Key32,
    /** Ledger folder, relative to the agent folder unless absolute. */
    ledgerDir: z.string().min(1).default('ledger'),
    serial: z.array(SerialPortConfig).max(16).default([]),
    tcp: z
      .strictObject({ host: z.string().min(1).max(255), port: Port })
      .nullable()
      .default(null),
    statusPort: Port.default(7420),
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(420),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    forward: z
      .strictObject({
        batchEntriesMax: z.number().int().min(1).max(uploadEntriesMax).default(uploadEntriesMax),
        requestTimeoutMs: z.number().int().min(100).max(300_000).default(15_000),
        intervalMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
        backoffBaseMs: z.number().int().min(10).max(60_000).default(500),
        backoffCapMs: z.number().int().min(100).max(3_600_000).default(60_000),
      })
      .prefault({}),
    /** Signed checkpoints over SMS while uploads fail (protocol/README.md); null: none. */
    sms: z
      .strictObject({
        modemPath: z.string().min(1).max(256),
        gatewayNumber: z.string().regex(/^\+?[0-9]{3,20}$/),
        baudRate: z
          .union(baudRates.map((rate) => z.literal(rate)) as [z.ZodLiteral<9600>, ...Array<z.ZodLiteral<number>>])
          .default(115200),
        intervalMs: z.number().int().min(1_000).max(86_400_000).default(900_000),
        attemptsMax: z.number().int().min(1).max(10).default(3),
        retryDelayMs: z.number().int().min(100).max(3_600_000).default(30_000),
        commandTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
      })
      .nullable()
      .default(null),
    link: z
      .strictObject({
        terminalsMax: z.number().int().min(1).max(1024).default(64),
        idleTimeoutMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
        silenceMaxMs: z.number().int().min(1_000).max(86_400_000).default(180_000),
        requestsQueuedMax: z.number().int().min(1).max(256).default(8),
      })
      .prefault({}),
  })
  .refine((config) => config.gatewayCa === null || config.gatewayUrl.startsWith('https:'), {
    path: ['gatewayCa'],
    message: 'a pinned gateway CA needs an https:// gatewayUrl',
  });
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

export function parseConfig(value: unknown, where: string): AgentConfig {
  const parsed = AgentConfig.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ERR_CONFIG_INVALID(`Konfigurasi tidak valid / Invalid configuration in ${where}: ${issues.join('; ')}`, {
    issues,
  });
}

export async function loadConfig(dir: string): Promise<AgentConfig> {
  const path = join(dir, configFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ERR_CONFIG_MISSING(
      `Konfigurasi tidak ditemukan / No configuration at ${path}: run \`edc-agent init --dir ${dir} ...\` first`,
      { path },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ERR_CONFIG_INVALID(`Konfigurasi tidak valid / ${path} is not JSON: ${(err as Error).message}`, {
      path,
    });
  }
  return parseConfig(json, path);
}

/** A CA file larger than this holds no certificate bundle an agent needs (refused unread). */
export const gatewayCaBytesMax = 1024 * 1024;

/**
 * The pinned gateway CA (PEM text), or undefined when gatewayCa is null. Read once when the
 * forwarder is built: a missing, unreadable or non-PEM file stops the command with
 * EDC_ERR_GATEWAY_CA rather than forwarding with the system's CAs.
 */
export function readGatewayCa(dir: string, config: AgentConfig): string | undefined {
  if (config.gatewayCa === null) return undefined;
  const path = resolve(dir, config.gatewayCa);
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > gatewayCaBytesMax) throw new Error(`larger than ${gatewayCaBytesMax} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ERR_GATEWAY_CA(
      `Berkas CA gateway tidak dapat dibaca / Cannot read gatewayCa ${path}: ${(err as Error).message}`,
      { path },
    );
  }
  try {
    new X509Certificate(text);
  } catch {
    throw new ERR_GATEWAY_CA(
      `Berkas CA gateway bukan sertifikat PEM / gatewayCa ${path} holds no PEM certificate ` +
        '("-----BEGIN CERTIFICATE-----")',
      { path },
    );
  }
  return text;
}

export function ledgerPath(dir: string, config: AgentConfig): string {
  return resolve(dir, config.ledgerDir);
}

/** Reads agent.key: refuses group/other permissions and anything but a 32-byte base64 seed. */
export async function loadSeed(dir: string): Promise<string> {
  const path = join(dir, keyFileName);
  let mode: number;
  let text: string;
  try {
    mode = (await stat(path)).mode;
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    throw new ERR_KEY_INVALID(`Kunci agen tidak ditemukan / Agent key missing at ${path}`, { path });
  }
  if ((mode & 0o077) !== 0) {
    throw new ERR_KEY_PERMISSIONS(
      `Izin berkas kunci terlalu longgar / ${path} has mode ${(mode & 0o777).toString(8)}, ` +
        `expected 600 (chmod 600 ${path})`,
      { path, mode: mode & 0o777 },
    );
  }
  if (!Base64Key32.safeParse(text).success || fromBase64(text)?.length !== 32) {
    throw new ERR_KEY_INVALID(`Kunci agen rusak / ${path} must hold a 32-byte Ed25519 seed as base64 (44 characters)`, {
      path,
    });
  }
  return text;
}

/** Writes a fresh seed to agent.key with 0600, failing if the file exists. Returns the public key. */
export async function createKey(dir: string): Promise<string> {
  const path = join(dir, keyFileName);
  const seed = toBase64(randomBytes(32));
  let handle;
  try {
    handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  } catch {
    throw new ERR_CONFIG_EXISTS(`Kunci agen sudah ada / ${path} already exists; refusing to overwrite an agent key`, {
      path,
    });
  }
  try {
    await handle.writeFile(`${seed}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return publicKeyFromSeed(seed);
}
