/** Shared test fixtures: keys, a signed entitlement set, ISO 8583 requests, temp ledgers. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSealKeyPair, generateSigningKeyPair, keyedHash, toBase64 } from '../../../protocol/crypto/index.ts';
import { ulidFactory } from '../../../protocol/ids.ts';
import {
  cardPinCvmResults,
  encodeTlv,
  luhnCheckDigit,
  type IsoFields,
  type IsoMessage,
} from '../../../protocol/iso8583/index.ts';
import {
  signEntitlementSet,
  signReceipt,
  type EntitlementSetBody,
  type SignedEntitlementSet,
} from '../../../protocol/messages/index.ts';
import { openAgentCore, type AgentCore, type AgentCoreOptions } from '../../../agent/core/index.ts';
import { randomBytes } from 'node:crypto';

export const agentId = 'AGT-001';
export const agentKeys = generateSigningKeyPair();
export const gatewayKeys = generateSigningKeyPair();
export const sealKeys = generateSealKeyPair();
export const lookupKey = toBase64(randomBytes(32));
export const startMs = Date.UTC(2026, 10, 22, 3, 0, 0);
const newId = ulidFactory();

export function kksNumber(n: number): string {
  const partial = `601301${String(n).padStart(9, '0')}`;
  return partial + luhnCheckDigit(partial);
}

export interface Card {
  readonly kpmId: string;
  readonly pan: string;
  readonly remaining: number;
}

export const cards: readonly Card[] = [1, 2, 3, 4, 5].map((n) => ({
  kpmId: `KPM-${String(n).padStart(4, '0')}`,
  pan: kksNumber(n),
  remaining: 750_000,
}));
export const unknownPan = kksNumber(999);

export function setBody(overrides: Partial<EntitlementSetBody> = {}): EntitlementSetBody {
  return {
    v: 1,
    setId: newId(),
    agentId,
    tahap: '2026-IV',
    issuedAt: startMs - 60_000,
    expiresAt: startMs + 7 * 24 * 3_600_000,
    basedOnSeq: 0,
    lookupKey,
    sealKey: sealKeys.publicKey,
    limits: { withdrawalAmountMax: 1_000_000, cashFloat: 5_000_000, queueEntriesMax: 1000 },
    entitlements: cards.map((c) => ({ kpmId: c.kpmId, panHash: keyedHash(c.pan, lookupKey), remaining: c.remaining })),
    ...overrides,
  };
}

export function signedSet(overrides: Partial<EntitlementSetBody> = {}): SignedEntitlementSet {
  return signEntitlementSet(setBody(overrides), gatewayKeys.seed);
}

export function receipt(ackSeq: number, ackHash: string, seed = gatewayKeys.seed) {
  return signReceipt(
    { v: 1, receiptId: newId(), agentId, ackSeq, ackHash, accepted: ackSeq, duplicates: 0, receivedAt: startMs },
    seed,
  );
}

export const pinOk = encodeTlv([cardPinCvmResults('plaintext', 'verified')]);
export const pinFailed = encodeTlv([cardPinCvmResults('plaintext', 'failed')]);

let stanCounter = 0;
export function nextStan(): string {
  stanCounter = (stanCounter + 1) % 1_000_000;
  return String(stanCounter).padStart(6, '0');
}

const tpdu = { destination: 1, source: 0x8000 };
const common = { 12: '100000', 13: '1122', 22: '051', 25: '00', 41: 'TERM0001', 42: 'AGEN00000000001' } as const;

export function withdrawal(pan: string, amount: number, extra: IsoFields = {}): IsoMessage {
  return {
    tpdu,
    mti: '0200',
    fields: { ...common, 2: pan, 3: '010000', 4: amount, 11: nextStan(), 55: pinOk, ...extra },
  };
}

export function balance(pan: string, extra: IsoFields = {}): IsoMessage {
  return { tpdu, mti: '0100', fields: { ...common, 2: pan, 3: '310000', 11: nextStan(), 55: pinOk, ...extra } };
}

export function reversal(original: IsoMessage, extra: IsoFields = {}): IsoMessage {
  const f = original.fields;
  return {
    tpdu,
    mti: '0400',
    fields: {
      ...common,
      2: f[2]!,
      3: '010000',
      4: f[4]!,
      11: nextStan(),
      41: f[41]!,
      60: { kind: 'original', mti: '0200', stan: f[11]!, localDate: f[13]!, localTime: f[12]! },
      ...extra,
    },
  };
}

export function settlement(
  totals: { withdrawalCount: number; withdrawalAmount: number; reversalCount: number; reversalAmount: number },
  extra: IsoFields = {},
): IsoMessage {
  return {
    tpdu,
    mti: '0500',
    fields: {
      3: '920000',
      11: nextStan(),
      12: '180000',
      13: '1122',
      41: 'TERM0001',
      42: 'AGEN00000000001',
      60: { kind: 'batch', batchNumber: '000001' },
      63: totals,
      ...extra,
    },
  };
}

export function echo(): IsoMessage {
  return { tpdu, mti: '0800', fields: { 7: '1122100000', 11: nextStan(), 41: 'TERM0001', 70: '301' } };
}

export interface TempLedger {
  readonly dir: string;
  readonly clock: { now: number };
  open(extra?: Partial<AgentCoreOptions>): Promise<AgentCore>;
  cleanup(): Promise<void>;
}

export async function tempLedger(): Promise<TempLedger> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-core-'));
  const clock = { now: startMs };
  return {
    dir,
    clock,
    open: (extra = {}) =>
      openAgentCore({
        dir: join(dir, 'ledger'),
        agentId,
        seed: agentKeys.seed,
        gatewayPublicKey: gatewayKeys.publicKey,
        now: () => clock.now,
        // The fake clock stands for real time too, unless a test sets the wall clock apart.
        monotonicNow: () => clock.now,
        ...extra,
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function code(message: IsoMessage): string | undefined {
  return message.fields[39];
}
