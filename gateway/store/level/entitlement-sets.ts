/**
 * Issued entitlement sets, kept so that every withdrawal is checked against the set it names.
 * An agent fetches a set on every forwarding pass, and most of its KPMs' remaining amounts do not
 * change between two sets, so a set's grants are not copied whole: `esh!agent!kpm!ordinal` is
 * written only when a KPM's remaining changes (or the KPM is dropped: null), and what set n
 * granted a KPM is the latest such record at or before n (one reverse seek). `escur!agent!kpm`
 * holds the latest set's grants to compare the next set with. Storage grows with changes
 * (roughly with withdrawals), not with sets x KPMs.
 */
import type { Snapshot } from 'classic-level';
import type { Limits } from '../../../protocol/messages/schemas.ts';
import type { IssuedSet } from '../../recon/facts.ts';
import type { EntitlementSetRecord } from '../types.ts';
import type { Db, Tx } from './db.ts';
import { k, range } from './keys.ts';

export interface StoredSet extends IssuedSet {
  readonly issuedAt: number;
  readonly limits: Limits;
  /** 1 for the agent's first set, and so on. */
  readonly ordinal: number;
}

async function currentGrants(tx: Tx, agentId: string): Promise<Map<string, number>> {
  const prefix = k.setCurrent(agentId, '');
  const out = new Map<string, number>();
  for await (const [key, value] of tx.db.iterator(range('escur', agentId)))
    out.set(key.slice(prefix.length), JSON.parse(value) as number);
  return out;
}

export async function recordSetIntoTx(tx: Tx, set: EntitlementSetRecord): Promise<void> {
  if ((await tx.get(k.entitlementSet(set.setId))) !== undefined) return;
  const ordinal = ((await tx.get<number>(k.setOrdinal(set.agentId))) ?? 0) + 1;
  const stored: StoredSet = {
    setId: set.setId,
    agentId: set.agentId,
    tahap: set.tahap,
    issuedAt: set.issuedAt,
    notBefore: set.notBefore,
    expiresAt: set.expiresAt,
    basedOnSeq: set.basedOnSeq,
    withdrawalAmountMax: set.limits.withdrawalAmountMax,
    limits: set.limits,
    ordinal,
  };
  tx.put(k.setOrdinal(set.agentId), ordinal);
  tx.put(k.entitlementSet(set.setId), stored);
  const current = await currentGrants(tx, set.agentId);
  const listed = new Map(set.entitlements.map((e) => [e.kpmId, e.remaining]));
  for (const [kpmId, remaining] of listed) {
    if (current.get(kpmId) !== remaining) {
      tx.put(k.setHistory(set.agentId, kpmId, ordinal), remaining);
      tx.put(k.setCurrent(set.agentId, kpmId), remaining);
    }
    current.delete(kpmId);
  }
  for (const kpmId of current.keys()) {
    tx.put(k.setHistory(set.agentId, kpmId, ordinal), null);
    tx.del(k.setCurrent(set.agentId, kpmId));
  }
}

/** What the set granted the KPM; undefined when the set does not list it. */
export async function grantOf(db: Db, set: StoredSet, kpmId: string, snapshot?: Snapshot): Promise<number | undefined> {
  const options = {
    gt: range('esh', set.agentId, kpmId).gt,
    lte: k.setHistory(set.agentId, kpmId, set.ordinal),
    reverse: true,
    limit: 1,
    ...(snapshot === undefined ? {} : { snapshot }),
  };
  for await (const value of db.values(options)) return (JSON.parse(value) as number | null) ?? undefined;
  return undefined;
}
