/**
 * Pre-built signed ledger chains for gateway benchmarks: what an agent's ledger would hold after
 * `count` approvals (withdrawals signed with the agent's key, hash-chained, PAN sealed to the
 * gateway), built without an agent process so a benchmark can replay many agents at once.
 */
import { keyedHash } from '../../protocol/crypto/index.ts';
import { genesisHash, signEntry, type LedgerEntry } from '../../protocol/messages/index.ts';
import { ulid } from '../../protocol/ids.ts';
import type { Sealer } from '../../gateway/crypto/fast-seal.ts';

export const benchTahap = '2026-IV';

export function benchAgentId(index: number): string {
  return `AGT-${String(index).padStart(6, '0')}`;
}

export function benchKpmId(agent: number, i: number): string {
  return `KPM-${String(agent).padStart(6, '0')}${String(i).padStart(4, '0')}`;
}

/** A 16-digit Luhn-free card number unique per (agent, kpm): the gateway only hashes and seals it. */
export function benchPan(agent: number, i: number): string {
  return `60329${String(agent).padStart(6, '0')}${String(i).padStart(5, '0')}`;
}

export interface ChainSpec {
  readonly agentIndex: number;
  readonly seed: string;
  readonly lookupKey: string;
  readonly sealer: Sealer;
  readonly count: number;
  readonly kpmPerAgent: number;
}

/** Two withdrawals per KPM, as in the field (a KPM draws its tahap money once or twice). */
export function buildChain(spec: ChainSpec): LedgerEntry[] {
  const agentId = benchAgentId(spec.agentIndex);
  const setId = ulid();
  const out: LedgerEntry[] = [];
  let prevHash = genesisHash;
  for (let seq = 1; seq <= spec.count; seq++) {
    const k = Math.floor((seq - 1) / 2) % spec.kpmPerAgent;
    const pan = benchPan(spec.agentIndex, k);
    const entry = signEntry(
      {
        v: 1,
        kind: 'withdrawal',
        id: ulid(),
        agentId,
        seq,
        prevHash,
        at: Date.now(),
        tahap: benchTahap,
        kpmId: benchKpmId(spec.agentIndex, k),
        amount: 1_000,
        terminalId: 'TERM0001',
        stan: String(seq % 1_000_000).padStart(6, '0'),
        localDate: '1122',
        panHash: keyedHash(pan, spec.lookupKey),
        sealedPan: spec.sealer.seal(pan),
        rrn: '000000000001',
        authCode: 'A1B2C3',
        entitlementSetId: setId,
      },
      spec.seed,
    );
    out.push(entry);
    prevHash = entry.hash;
  }
  return out;
}
