/**
 * Storing an agent's upload. The caller has checked schema, agentId, order and every entry's
 * hash and signature; here, under the write lock and against the stored head, entries at a
 * stored seq are duplicates (same id and hash) or a fork, the first new entry must be head+1 and
 * link to the head's hash, and new entries go into one batch with the head, the chain index and
 * their KPM positions, so an upload is stored with its reconciliation effects or not at all.
 */
import { genesisHead, type ChainHead } from '../../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../../protocol/messages/schemas.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import { addEntryFact, checkRoom, type EntitlementSetInfo } from '../../recon/facts.ts';
import type { AgentRecord, EvidenceRecord, IngestOutcome } from '../types.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';
import { updatePosition } from './position.ts';

export interface ChainLink {
  readonly id: string;
  readonly hash: string;
  readonly tahap: string;
  readonly kpmId: string;
}

export interface StoredEntry {
  readonly entry: LedgerEntry;
  readonly receivedAt: number;
}

export const evidencePerAgentMax = 10_000;

/** Adds one entry (accepted or evidence) to its KPM position. */
export async function addEntryToPosition(
  tx: Tx,
  env: ReconEnv,
  agent: AgentRecord,
  entry: LedgerEntry,
  receivedAt: number,
  fault: boolean,
): Promise<void> {
  const set =
    entry.kind === 'withdrawal'
      ? await tx.get<EntitlementSetInfo>(k.entitlementSet(entry.entitlementSetId))
      : undefined;
  await updatePosition(tx, env, entry.tahap, entry.kpmId, (facts) => {
    checkRoom(facts);
    addEntryFact(facts, entry, { receivedAt, fault, set, agent });
  });
}

/** Keeps an entry as evidence (once per hash, at most evidencePerAgentMax per agent). */
export async function keepEvidence(tx: Tx, env: ReconEnv, agent: AgentRecord, record: EvidenceRecord): Promise<void> {
  const byAgent = k.evidenceByAgent(agent.agentId, record.found.hash);
  if ((await tx.get(byAgent)) !== undefined) return;
  const count = (await tx.get<number>(k.evidenceCount(agent.agentId))) ?? 0;
  if (count >= evidencePerAgentMax) return;
  tx.put(k.evidenceCount(agent.agentId), count + 1);
  tx.put(byAgent, k.evidence(record.found.tahap, record.found.kpmId, agent.agentId, record.found.hash));
  tx.put(k.evidence(record.found.tahap, record.found.kpmId, agent.agentId, record.found.hash), record);
  await addEntryToPosition(tx, env, agent, record.found, record.receivedAt, true);
}

export function flagAgent(tx: Tx, agent: AgentRecord, kind: 'fork' | 'tampered', seq: number, at: number): void {
  const flags = agent.flags.length >= 100 ? agent.flags : [...agent.flags, { at, kind, seq }];
  tx.put(k.agent(agent.agentId), { ...agent, flagged: true, flags });
}

async function forkOutcome(
  tx: Tx,
  env: ReconEnv,
  agent: AgentRecord,
  entry: LedgerEntry,
  link: ChainLink,
  receivedAt: number,
): Promise<IngestOutcome> {
  const stored = await tx.get<StoredEntry>(k.entry(link.tahap, link.kpmId, agent.agentId, entry.seq));
  await keepEvidence(tx, env, agent, {
    agentId: agent.agentId,
    kind: 'fork',
    receivedAt,
    found: entry,
    stored: stored?.entry,
    reason: 'fork',
  });
  flagAgent(tx, agent, 'fork', entry.seq, receivedAt);
  return { kind: 'fork', seq: entry.seq, storedHash: link.hash, foundHash: entry.hash };
}

/** Runs inside the write lock; the caller commits tx only for 'accepted' and 'fork'. */
export async function ingestIntoTx(
  tx: Tx,
  env: ReconEnv,
  agent: AgentRecord,
  entries: readonly LedgerEntry[],
  receivedAt: number,
): Promise<IngestOutcome> {
  let head = (await tx.get<ChainHead>(k.head(agent.agentId))) ?? genesisHead;
  let duplicates = 0;
  let accepted = 0;
  for (const [index, entry] of entries.entries()) {
    if (entry.seq <= head.seq) {
      const link = await tx.get<ChainLink>(k.chain(agent.agentId, entry.seq));
      if (link !== undefined && link.id === entry.id && link.hash === entry.hash) {
        duplicates += 1;
        continue;
      }
      if (link === undefined)
        throw new Error(`chain index missing for ${agent.agentId} seq ${entry.seq} below head ${head.seq}`);
      return forkOutcome(tx, env, agent, entry, link, receivedAt);
    }
    if (entry.seq !== head.seq + 1)
      return { kind: 'gap', headSeq: head.seq, expectedSeq: head.seq + 1, foundSeq: entry.seq };
    if (entry.prevHash !== head.hash) return { kind: 'prevHash', index, seq: entry.seq };
    tx.put(k.chain(agent.agentId, entry.seq), {
      id: entry.id,
      hash: entry.hash,
      tahap: entry.tahap,
      kpmId: entry.kpmId,
    } satisfies ChainLink);
    tx.put(k.entry(entry.tahap, entry.kpmId, agent.agentId, entry.seq), { entry, receivedAt } satisfies StoredEntry);
    await addEntryToPosition(tx, env, agent, entry, receivedAt, false);
    head = { seq: entry.seq, hash: entry.hash };
    accepted += 1;
  }
  if (accepted > 0) tx.put(k.head(agent.agentId), head);
  return { kind: 'accepted', accepted, duplicates, head };
}
