/** Test fixtures for the gateway: temp stores, agents with keys, signed entries and requests, rows. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { generateSigningKeyPair } from '../../protocol/crypto/ed25519.ts';
import { keyedHash, seal } from '../../protocol/crypto/seal.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { genesisHash, type LedgerEntry, type WithdrawalEntry } from '../../protocol/messages/schemas.ts';
import { signEntry } from '../../protocol/messages/signed.ts';
import { signRequest } from '../../protocol/messages/request-signing.ts';
import { ulidFactory } from '../../protocol/ids.ts';
import { GatewayConfig } from '../../gateway/config.ts';
import { generateGatewayKeys } from '../../gateway/keys.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import type { GatewayKeys, GatewayConfig as Config } from '../../gateway/config.ts';
import type { DisbursementRow } from '../../gateway/import/types.ts';
import type { AgentRecord } from '../../gateway/store/types.ts';

export const tahap = '2026-IV';
export const ulid = ulidFactory();

export interface TempStore {
  store: LevelStore;
  keys: GatewayKeys;
  dir: string;
  cleanup: () => Promise<void>;
}

export async function tempStore(options: { tahapClosesAt?: Record<string, number> } = {}): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-gw-'));
  const keys = generateGatewayKeys();
  const store = await LevelStore.open({
    path: join(dir, 'store'),
    sealPublicKey: keys.sealPublicKey,
    sealSecretKey: keys.sealSecretKey,
    lookupKey: keys.lookupKey,
    tahapClosesAt: options.tahapClosesAt ?? {},
  });
  return {
    store,
    keys,
    dir,
    cleanup: async () => {
      await store.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Closes `store`, runs `fn` on the raw LevelDB of `t` (to read or plant stored bytes), then opens
 * and returns a fresh store on it (with `t`'s keys and no tahap closing times).
 */
export async function withRawLevel(
  t: TempStore,
  store: LevelStore,
  fn: (db: ClassicLevel<string, string>) => Promise<void>,
): Promise<LevelStore> {
  await store.close();
  const db = new ClassicLevel<string, string>(join(t.dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
  return LevelStore.open({ path: join(t.dir, 'store'), ...t.keys, tahapClosesAt: {} });
}

export function testConfig(overrides: Partial<Record<string, unknown>> = {}): Config {
  return GatewayConfig.parse({ v: 1, logLevel: 'silent', ...overrides });
}

export interface TestAgent {
  agentId: string;
  seed: string;
  publicKey: string;
  record?: AgentRecord;
  seq: number;
  head: string;
}

export function newAgent(agentId: string): TestAgent {
  const pair = generateSigningKeyPair();
  return { agentId, seed: pair.seed, publicKey: pair.publicKey, seq: 0, head: genesisHash };
}

export async function enroll(
  store: LevelStore,
  agent: TestAgent,
  kpmIds: string[],
  region = '3201010001',
): Promise<AgentRecord> {
  agent.record = await store.addAgent(
    { agentId: agent.agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: region, kpmIds },
    { move: false, now: 1_000, lookupKey: toBase64(randomBytes(32)) },
  );
  return agent.record;
}

let stan = 0;

export interface WithdrawalInput {
  kpmId: string;
  amount: number;
  pan: string;
  setId?: string;
  at?: number;
  terminalId?: string;
  stan?: string;
  localDate?: string;
  tahap?: string;
}

/** Signs the agent's next withdrawal (advances its chain). */
export function withdrawal(agent: TestAgent, keys: GatewayKeys, input: WithdrawalInput): WithdrawalEntry {
  const lookupKey = agent.record?.lookupKey ?? toBase64(new Uint8Array(32));
  stan = (stan + 1) % 1_000_000;
  const entry = signEntry(
    {
      v: 1,
      kind: 'withdrawal',
      id: ulid(),
      agentId: agent.agentId,
      seq: agent.seq + 1,
      prevHash: agent.head,
      at: input.at ?? 2_000,
      tahap: input.tahap ?? tahap,
      kpmId: input.kpmId,
      amount: input.amount,
      terminalId: input.terminalId ?? 'TERM0001',
      stan: input.stan ?? String(stan).padStart(6, '0'),
      localDate: input.localDate ?? '1122',
      panHash: keyedHash(input.pan, lookupKey),
      sealedPan: seal(input.pan, keys.sealPublicKey),
      rrn: '000000000001',
      authCode: 'A1B2C3',
      entitlementSetId: input.setId ?? ulid(),
    },
    agent.seed,
  ) as WithdrawalEntry;
  agent.seq = entry.seq;
  agent.head = entry.hash;
  return entry;
}

export function reversal(agent: TestAgent, of: LedgerEntry): LedgerEntry {
  const entry = signEntry(
    {
      v: 1,
      kind: 'reversal',
      id: ulid(),
      agentId: agent.agentId,
      seq: agent.seq + 1,
      prevHash: agent.head,
      at: of.at + 1,
      tahap: of.tahap,
      kpmId: of.kpmId,
      amount: of.amount,
      terminalId: of.terminalId,
      stan: of.stan,
      localDate: of.localDate,
      reverses: of.id,
      reversesSeq: of.seq,
      reason: 'terminal_reversal',
    },
    agent.seed,
  );
  agent.seq = entry.seq;
  agent.head = entry.hash;
  return entry;
}

export function panOf(kpmId: string): string {
  // 16 digits derived from the id; Luhn does not matter to the store.
  let digits = '';
  for (const ch of kpmId) digits += String(ch.charCodeAt(0) % 10);
  return ('6032' + digits + '0000000000000000').slice(0, 16);
}

export function row(kpmId: string, amount: number, extra: Partial<DisbursementRow> = {}): DisbursementRow {
  return {
    line: 2,
    tahap,
    bank: 'BRI',
    kpmId,
    nik: '3201010101900001',
    pan: panOf(kpmId),
    name: 'SITI AMINAH',
    regionCode: '3201010001',
    amount,
    status: 'credited',
    reference: `REF-${kpmId}`,
    ...extra,
  };
}

/** Headers for an agent request, signed over the exact body. */
export function signedHeaders(
  agent: TestAgent,
  method: string,
  path: string,
  body: string,
  options: { now?: number; nonce?: string } = {},
): Record<string, string> {
  return {
    ...signRequest({ method, path, body }, { agentId: agent.agentId, seed: agent.seed, ...options }),
    ...(body === '' ? {} : { 'content-type': 'application/json' }),
  };
}

export const testLimits = { withdrawalAmountMax: 3_000_000, cashFloat: 50_000_000, queueEntriesMax: 5000 };

/**
 * Records an entitlement set for the agent (as the entitlements route does) and returns its id:
 * by default one granting each of the agent's allocated KPMs far more than any test draws.
 */
export async function issueSet(
  store: LevelStore,
  agent: TestAgent,
  expiresAt = 10_000_000,
  options: { kpmIds?: readonly string[]; remaining?: number; basedOnSeq?: number; withdrawalAmountMax?: number } = {},
): Promise<string> {
  const setId = ulid();
  const kpmIds: string[] = [...(options.kpmIds ?? [])];
  if (options.kpmIds === undefined) for await (const kpmId of store.agentKpms(agent.agentId)) kpmIds.push(kpmId);
  await store.recordEntitlementSet({
    setId,
    agentId: agent.agentId,
    tahap,
    issuedAt: 1_000,
    notBefore: 0,
    expiresAt,
    basedOnSeq: options.basedOnSeq ?? 0,
    limits: { ...testLimits, withdrawalAmountMax: options.withdrawalAmountMax ?? testLimits.withdrawalAmountMax },
    entitlements: kpmIds.map((kpmId) => ({ kpmId, remaining: options.remaining ?? 100_000_000 })),
  });
  return setId;
}
