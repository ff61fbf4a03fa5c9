/**
 * A real agent for integration tests: a real core on a LevelDB folder under os.tmpdir(), with a
 * gateway-signed entitlement set for a few simulated KKS cards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSealKeyPair, generateSigningKeyPair, keyedHash, toBase64 } from '../../../../protocol/crypto/index.ts';
import { ulidFactory } from '../../../../protocol/ids.ts';
import { signEntitlementSet } from '../../../../protocol/messages/index.ts';
import type { SignedEntitlementSet } from '../../../../protocol/messages/index.ts';
import { openAgentCore } from '../../../../agent/core/index.ts';
import type { AgentCore } from '../../../../agent/core/index.ts';
import { makeKksCard } from '../../../../simulators/terminal/index.ts';
import type { KksCard } from '../../../../simulators/terminal/index.ts';
import type { Logger } from 'pino';

export interface Fixture {
  readonly dir: string;
  readonly agentId: string;
  readonly agentKeys: { seed: string; publicKey: string };
  readonly gatewayKeys: { seed: string; publicKey: string };
  readonly cards: KksCard[];
  readonly set: SignedEntitlementSet;
  readonly remainingStart: number;
  cleanup(): Promise<void>;
}

/** A seeded uniform [0, 1) generator (mulberry32), so card numbers are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function makeFixture(
  options: { cards?: number; remaining?: number; seed?: number; dir?: string } = {},
): Promise<Fixture> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'edc-agent-io-')));
  const random = seededRandom(options.seed ?? 1);
  const agentKeys = generateSigningKeyPair();
  const gatewayKeys = generateSigningKeyPair();
  const cards = Array.from({ length: options.cards ?? 4 }, () => makeKksCard(random, { pin: '123456' }));
  const lookupKey = toBase64(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
  const remainingStart = options.remaining ?? 3_000_000;
  const ulid = ulidFactory();
  const set = signEntitlementSet(
    {
      v: 1,
      setId: ulid(),
      agentId: 'AGT-001',
      tahap: '2026-IV',
      issuedAt: Date.now(),
      expiresAt: Date.now() + 7 * 86_400_000,
      basedOnSeq: 0,
      lookupKey,
      sealKey: generateSealKeyPair().publicKey,
      limits: { withdrawalAmountMax: 2_000_000, cashFloat: 1_000_000_000, queueEntriesMax: 1_000_000 },
      entitlements: cards.map((card, i) => ({
        kpmId: `KPM-${String(i + 1).padStart(4, '0')}`,
        panHash: keyedHash(card.pan, lookupKey),
        remaining: remainingStart,
      })),
    },
    gatewayKeys.seed,
  );
  return {
    dir,
    agentId: 'AGT-001',
    agentKeys,
    gatewayKeys,
    cards,
    set,
    remainingStart,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function openFixtureCore(fixture: Fixture, logger?: Logger): Promise<AgentCore> {
  return openAgentCore({
    dir: join(fixture.dir, 'ledger'),
    agentId: fixture.agentId,
    seed: fixture.agentKeys.seed,
    gatewayPublicKey: fixture.gatewayKeys.publicKey,
    ...(logger ? { logger } : {}),
  });
}
