/**
 * Fills a real agent ledger (agent/core, LevelDB) with approved withdrawals through
 * core.handle(), the path a terminal's 0200 takes, with 64 concurrent callers so group commit
 * keeps it quick. Used by the drain benchmark to build a backlog of queued entries.
 */
import { randomBytes } from 'node:crypto';
import { generateSealKeyPair, keyedHash, toBase64 } from '../../protocol/crypto/index.ts';
import { cardPinCvmResults, encodeTlv, luhnCheckDigit, type IsoMessage } from '../../protocol/iso8583/index.ts';
import { signEntitlementSet } from '../../protocol/messages/index.ts';
import { ulid } from '../../protocol/ids.ts';
import type { AgentCore } from '../../agent/core/index.ts';
import { benchKpmId, benchTahap } from './chains.ts';

export const fillKpms = 200;

export function fillPan(i: number): string {
  const partial = `601301${String(i).padStart(9, '0')}`;
  return partial + luhnCheckDigit(partial);
}

const pinOk = encodeTlv([cardPinCvmResults('plaintext', 'verified')]);

export function withdrawalRequest(i: number, amount: number, pan: string = fillPan(i % fillKpms)): IsoMessage {
  return {
    tpdu: { destination: 1, source: 0x8000 },
    mti: '0200',
    fields: {
      2: pan,
      3: '010000',
      4: amount,
      11: String(i % 1_000_000).padStart(6, '0'),
      12: '100000',
      13: '1122',
      22: '051',
      25: '00',
      41: `T${String(Math.floor(i / 1_000_000)).padStart(7, '0')}`,
      42: 'AGEN00000000001',
      55: pinOk,
    },
  };
}

/** Installs a set signed with the gateway's seed, so the gateway the agent forwards to is the issuer. */
export async function installBenchSet(
  core: AgentCore,
  agentId: string,
  gatewaySeed: string,
  lookupKey: string,
  sealKey: string = generateSealKeyPair().publicKey,
): Promise<void> {
  const now = Date.now();
  await core.installEntitlementSet(
    signEntitlementSet(
      {
        v: 1,
        setId: ulid(),
        agentId,
        tahap: benchTahap,
        issuedAt: now,
        expiresAt: now + 86_400_000,
        basedOnSeq: 0,
        lookupKey,
        sealKey,
        limits: { withdrawalAmountMax: 1_000_000, cashFloat: 1_000_000_000, queueEntriesMax: 1_000_000 },
        entitlements: Array.from({ length: fillKpms }, (_, i) => ({
          kpmId: benchKpmId(0, i),
          panHash: keyedHash(fillPan(i), lookupKey),
          remaining: 100_000_000,
        })),
      },
      gatewaySeed,
    ),
  );
}

export async function fillLedger(core: AgentCore, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const response = await core.handle(withdrawalRequest(next++, 1_000));
      if (response.fields[39] !== '00')
        throw new Error(`bench fill expected approvals, got ${String(response.fields[39])}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

export function randomLookupKey(): string {
  return toBase64(randomBytes(32));
}
