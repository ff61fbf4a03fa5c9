import fc from 'fast-check';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { publicKeyFromSeed } from '../../../protocol/crypto/ed25519.ts';
import { generateSealKeyPair, keyedHash, seal } from '../../../protocol/crypto/seal.ts';
import { ulidFactory } from '../../../protocol/ids.ts';
import { genesisHash, type EntryBody, type LedgerEntry } from '../../../protocol/messages/schemas.ts';
import { signEntry } from '../../../protocol/messages/signed.ts';

export const agentSeed = toBase64(new Uint8Array(32).fill(11));
export const agentPublicKey = publicKeyFromSeed(agentSeed);
export const gatewaySeed = toBase64(new Uint8Array(32).fill(22));
export const gatewayPublicKey = publicKeyFromSeed(gatewaySeed);
export const sealKeys = generateSealKeyPair((n) => new Uint8Array(n).fill(33));
export const lookupKey = toBase64(new Uint8Array(32).fill(44));

const fixedRandom = (n: number): Uint8Array => new Uint8Array(n).fill(5);

/** A chain of `count` withdrawals (every fourth one reversed), deterministic. */
export function makeChain(count: number, agentId = 'AGT-BRI-0001'): LedgerEntry[] {
  const nextId = ulidFactory({ now: () => 1_795_000_000_000, random: fixedRandom });
  const entries: LedgerEntry[] = [];
  let prevHash = genesisHash;
  for (let seq = 1; seq <= count; seq++) {
    const previous = entries[entries.length - 1];
    const reverse = seq % 4 === 0 && previous?.kind === 'withdrawal';
    const stan = String(seq).padStart(6, '0');
    const common = {
      v: 1 as const,
      id: nextId(),
      agentId,
      seq,
      prevHash,
      at: 1_795_000_000_000 + seq * 1000,
      tahap: '2026-IV',
      terminalId: 'TERM0001',
      stan,
      localDate: '1123',
    };
    const body: EntryBody = reverse
      ? {
          ...common,
          kind: 'reversal',
          kpmId: previous.kpmId,
          amount: previous.amount,
          reverses: previous.id,
          reversesSeq: previous.seq,
          reason: 'response_timeout',
        }
      : {
          ...common,
          kind: 'withdrawal',
          kpmId: `KPM-${String(seq % 7).padStart(6, '0')}`,
          amount: 250_000 + (seq % 3) * 125_000,
          panHash: keyedHash(`52642200000000${String(seq % 7).padStart(2, '0')}`, lookupKey),
          sealedPan: seal(`52642200000000${String(seq % 7).padStart(2, '0')}`, sealKeys.publicKey, fixedRandom),
          rrn: `000000${stan}`,
          authCode: `A${stan.slice(1)}`,
          entitlementSetId: '01KAQ0000000000000000SET01',
        };
    const entry = signEntry(body, agentSeed);
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

const alnum = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const digits = (n: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

/** Arbitrary valid withdrawal bodies (fields drawn independently). */
export const withdrawalBodyArb: fc.Arbitrary<EntryBody> = fc.record({
  v: fc.constant(1 as const),
  id: fc
    .string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 25, maxLength: 25 })
    .map((s) => `0${s}`),
  agentId: fc.string({ unit: alnum, minLength: 3, maxLength: 32 }),
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  tahap: fc
    .tuple(fc.integer({ min: 2020, max: 2099 }), fc.constantFrom('I', 'II', 'III', 'IV'))
    .map(([y, t]) => `${y}-${t}`),
  kpmId: fc.string({ unit: alnum, minLength: 4, maxLength: 32 }),
  amount: fc.integer({ min: 1, max: 1_000_000_000_000 }),
  terminalId: fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 8,
    maxLength: 8,
  }),
  stan: digits(6),
  localDate: fc
    .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
    .map(([m, d]) => `${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`),
  kind: fc.constant('withdrawal' as const),
  panHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  sealedPan: fc.uint8Array({ minLength: 88, maxLength: 100 }).map((b) => toBase64(b)),
  rrn: fc.string({ unit: alnum, minLength: 12, maxLength: 12 }),
  authCode: fc.string({ unit: alnum, minLength: 6, maxLength: 6 }),
  entitlementSetId: fc.constant('01KAQ0000000000000000SET01'),
});
