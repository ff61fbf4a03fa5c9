/**
 * The gateway directory: config.json (settings a person edits) and keys.json (secrets, mode
 * 0600). Both are parsed by strict schemas so a typo is an error that names the field, never a
 * silently ignored setting.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Base64Key32, Tahap, EpochMs, Limits, uploadBodyBytesMax } from '../protocol/messages/schemas.ts';
import { requestClockSkewMaxMs } from '../protocol/messages/request-signing.ts';
import { ERR_CONFIG_INVALID } from './errors.ts';

/** The standard serial rates a modem section may name. */
export const modemBaudRates: readonly number[] = [9600, 19200, 38400, 57600, 115200, 230400, 460800];

export const GatewayConfig = z.strictObject({
  v: z.literal(1),
  /** Defaults for every agent's entitlement-set limits (an agent record may override them). */
  limits: Limits.default({ withdrawalAmountMax: 3_000_000, cashFloat: 50_000_000, queueEntriesMax: 5_000 }),
  /** Maximum offline age: an entitlement set expires this many hours after it is issued. */
  offlineAgeMaxHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
  /** The tahap entitlement sets are issued for; when unset, the latest tahap with imported rows. */
  activeTahap: Tahap.optional(),
  /** Closing time per tahap: entries the gateway receives after it are classified late. */
  tahapClosesAt: z.record(Tahap, EpochMs).default({}),
  uploadBodyBytesMax: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(uploadBodyBytesMax),
  /**
   * Uploads in flight at once (gateway/http/upload-admission.ts): more wait, body unread, in a
   * queue of uploadsWaitingMax for at most uploadAdmissionWaitMsMax each, then are answered 503
   * with Retry-After. With uploadsInFlightBytesMax (declared body bytes) it bounds the memory
   * that uploads being parsed, verified and committed can hold.
   */
  uploadsInFlightMax: z.number().int().min(1).max(100_000).default(32),
  uploadsInFlightBytesMax: z
    .number()
    .int()
    .min(1024)
    .max(4 * 1024 * 1024 * 1024)
    .default(32 * 1024 * 1024),
  /** Uploads waiting for admission at once (0: refuse at once when the bound is reached). */
  uploadsWaitingMax: z.number().int().min(0).max(100_000).default(4096),
  /** Longest wait of an upload for admission, ms (well under an agent's request timeout, 15 s). */
  uploadAdmissionWaitMsMax: z.number().int().min(0).max(60_000).default(5_000),
  requestClockSkewMaxMs: z
    .number()
    .int()
    .min(1000)
    .max(60 * 60_000)
    .default(requestClockSkewMaxMs),
  /**
   * Replay guard bound: live agent request nonces the store holds at most (each until its request's
   * timestamp leaves the skew window; when full, new requests get 503 rather than an early forget).
   */
  nonceCacheEntriesMax: z.number().int().min(1000).max(10_000_000).default(1_000_000),
  /**
   * Request budgets per rateWindowMs (gateway/http/rate-limits.ts). rateRequestsMax: per agent, counted once its
   * signature verified (the name predates the other budgets; config files carry it).
   */
  rateRequestsMax: z.number().int().min(1).max(1_000_000).default(600),
  /** Per staff token, counted once the token is known (before its role is checked). */
  rateStaffRequestsMax: z.number().int().min(1).max(1_000_000).default(600),
  /** Per source address, for requests that authenticate as nobody (failed auth, /docs, /dashboard, unknown routes). */
  rateAddressRequestsMax: z.number().int().min(1).max(1_000_000).default(120),
  /** Per source address, for /healthz, /readyz and /metrics only. */
  rateOpsRequestsMax: z.number().int().min(1).max(1_000_000).default(600),
  rateWindowMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  /** Counters kept per budget (least recently used dropped first: a dropped key starts a fresh window). */
  rateKeysMax: z.number().int().min(100).max(10_000_000).default(100_000),
  /**
   * Where the store is when neither --store nor EDC_GATEWAY_STORE says: a postgres:// URL
   * (optionally ?schema=name) or a LevelDB folder (relative to the gateway directory); default store/.
   */
  store: z.string().min(1).max(2048).optional(),
  /**
   * HTTPS for serve: PEM certificate chain and unencrypted PEM private key, paths relative to the
   * gateway directory unless absolute (serve --tls-cert/--tls-key override both).
   */
  tls: z.strictObject({ certFile: z.string().min(1).max(4096), keyFile: z.string().min(1).max(4096) }).optional(),
  /**
   * The gateway's own GSM modem: serve reads checkpoints from it (gateway/checkpoints/modem-supervisor.ts);
   * path: the serial device; baudRate: one of the standard rates.
   */
  modem: z
    .strictObject({
      path: z.string().min(1).max(4096),
      baudRate: z
        .number()
        .refine((rate) => modemBaudRates.includes(rate), `one of ${modemBaudRates.join(', ')}`)
        .default(115200),
    })
    .optional(),
  /**
   * The SMS-provider webhook POST /v1/sms/checkpoints (gateway/http/routes/sms.ts): absent, the
   * route is not served. secret: shared with the provider (HMAC-SHA256 key, 32..256 characters);
   * toleranceMs: how far the signed time may be from the gateway's clock.
   */
  smsWebhook: z
    .strictObject({
      secret: z.string().min(32).max(256),
      toleranceMs: z.number().int().min(1000).max(3_600_000).default(300_000),
    })
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

export const GatewayKeys = z.strictObject({
  v: z.literal(1),
  /** Ed25519 seed that signs receipts and entitlement sets. */
  signingSeed: Base64Key32,
  signingPublicKey: Base64Key32,
  /** X25519 key pair PAN/NIK are sealed to (by agents and at rest). */
  sealSecretKey: Base64Key32,
  sealPublicKey: Base64Key32,
  /** HMAC key of the gateway's own PAN/NIK look-up hashes. */
  lookupKey: Base64Key32,
});
export type GatewayKeys = z.infer<typeof GatewayKeys>;

export const configFileName = 'config.json';
export const keysFileName = 'keys.json';
export const storeDirName = 'store';

export function parseConfig(value: unknown, where: string): GatewayConfig {
  const parsed = GatewayConfig.safeParse(value);
  if (!parsed.success) {
    throw new ERR_CONFIG_INVALID(`Cannot use ${where}: ${z.prettifyError(parsed.error)}`, { where });
  }
  return parsed.data;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ERR_CONFIG_INVALID(
      `Cannot read ${path}: expected a gateway directory made by "edc-gateway init"`,
      { path },
      cause,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ERR_CONFIG_INVALID(`Cannot parse ${path}: expected JSON`, { path }, cause);
  }
}

export interface GatewayDir {
  readonly dir: string;
  readonly config: GatewayConfig;
  readonly keys: GatewayKeys;
  readonly storePath: string;
}

export async function loadGatewayDir(dir: string): Promise<GatewayDir> {
  const config = parseConfig(await readJson(join(dir, configFileName)), join(dir, configFileName));
  const keysParsed = GatewayKeys.safeParse(await readJson(join(dir, keysFileName)));
  if (!keysParsed.success) {
    throw new ERR_CONFIG_INVALID(`Cannot use ${join(dir, keysFileName)}: ${z.prettifyError(keysParsed.error)}`);
  }
  return { dir, config, keys: keysParsed.data, storePath: join(dir, storeDirName) };
}
