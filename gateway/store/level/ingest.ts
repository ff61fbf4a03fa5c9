/**
 * Storing an agent's upload. The caller has checked schema, agentId, order and every entry's
 * hash and signature; here, under the write lock and against the stored head, gateway/ingest/
 * plan.ts decides duplicate / append / fork / gap / prevHash, and the plan is applied in one
 * batch with the head, the chain index and the KPM positions, so an upload is stored with its
 * reconciliation effects or not at all. A fork keeps its whole conflicting branch as evidence,
 * each entry in its KPM's position (source fork), within the per-agent evidence bound.
 */
import { genesisHead, type ChainHead } from '../../../protocol/messages/signed.ts';
import type { LedgerEntry, WithdrawalEntry } from '../../../protocol/messages/schemas.ts';
import { ERR_AGENT_UNKNOWN, ERR_EVIDENCE_FULL } from '../../errors.ts';
import { planSegment, type ChainLookup } from '../../ingest/plan.ts';
import type { SetFact } from '../../recon/classify.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import { evidenceHash, type EvidenceKind, type WithdrawalSource } from '../../recon/evidence.ts';
import { addEntryFact, checkRoom, setFactOf } from '../../recon/facts.ts';
import type { AgentRecord, EvidenceRecord, IngestOutcome } from '../types.ts';
import { grantOf, type StoredSet } from './entitlement-sets.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';
import { updatePosition } from './position.ts';

export interface ChainLink {
  readonly id: string;
  readonly hash: string;
  readonly tahap: string;
  readonly kpmId: string;
}

/**
 * An accepted entry as stored (`ent!T!kpm!agent!seq`) with the facts the gateway established when
 * it received it: when, and for a withdrawal the set it names as issued (null: none issued to
 * that agent for that tahap). Sets never change, so the recompute reads the set fact here rather
 * than seeking each withdrawal's grant again (a range seek per withdrawal); a record without
 * `set` (stored before sets were facts) is looked up.
 */
export interface StoredEntry {
  readonly entry: LedgerEntry;
  readonly receivedAt: number;
  readonly set?: SetFact | null;
}

/** An evidence record as stored: the interface's record, and the set fact as for an entry. */
export type StoredEvidence = EvidenceRecord & { readonly set?: SetFact | null };

/** What a write that may keep evidence needs besides the transaction. */
export interface IngestEnv {
  readonly recon: ReconEnv;
  readonly evidenceEntriesPerAgentMax: number;
}

/** The set a withdrawal names as a fact: its own agent's, for its tahap, with what it granted the KPM. */
async function setFactFor(tx: Tx, entry: WithdrawalEntry): Promise<SetFact | undefined> {
  const set = await tx.get<StoredSet>(k.entitlementSet(entry.entitlementSetId));
  if (set === undefined || setFactOf(entry, set, undefined) === undefined) return undefined;
  return setFactOf(entry, set, await grantOf(tx.db, set, entry.kpmId));
}

/** The set fact of an entry (null: a reversal, or a set not issued to its agent for its tahap). */
async function entrySetFact(tx: Tx, entry: LedgerEntry): Promise<SetFact | null> {
  return (entry.kind === 'withdrawal' ? await setFactFor(tx, entry) : undefined) ?? null;
}

interface EntryFacts {
  readonly receivedAt: number;
  readonly source: WithdrawalSource;
  readonly evidenceHash: string | undefined;
  readonly set: SetFact | null;
}

/** Adds one entry (accepted or evidence) to its KPM position, with its set fact. */
async function addEntryToPosition(
  tx: Tx,
  env: ReconEnv,
  agent: AgentRecord,
  entry: LedgerEntry,
  ctx: EntryFacts,
): Promise<void> {
  const set = ctx.set ?? undefined;
  await updatePosition(tx, env, entry.tahap, entry.kpmId, (facts) => {
    checkRoom(facts);
    addEntryFact(facts, entry, { ...ctx, set, agent });
  });
}

async function storedAt(tx: Tx, agentId: string, seq: number): Promise<LedgerEntry | undefined> {
  const link = await tx.get<ChainLink>(k.chain(agentId, seq));
  if (link === undefined) return undefined;
  return (await tx.get<StoredEntry>(k.entry(link.tahap, link.kpmId, agentId, seq)))?.entry;
}

/**
 * Keeps entries as evidence of one kind, each once by its evidence hash, all of them or none:
 * beyond the agent's evidence bound the whole call is refused (EDC_ERR_EVIDENCE_FULL).
 */
export async function keepEvidence(
  tx: Tx,
  env: IngestEnv,
  agent: AgentRecord,
  kind: EvidenceKind,
  found: readonly LedgerEntry[],
  meta: { readonly receivedAt: number; readonly reason: string },
): Promise<void> {
  const fresh = new Map<string, LedgerEntry>();
  for (const entry of found) {
    const hash = evidenceHash(entry);
    if (!fresh.has(hash) && (await tx.get(k.evidenceByAgent(agent.agentId, hash))) === undefined)
      fresh.set(hash, entry);
  }
  const held = (await tx.get<number>(k.evidenceCount(agent.agentId))) ?? 0;
  const max = env.evidenceEntriesPerAgentMax;
  if (held + fresh.size > max)
    throw new ERR_EVIDENCE_FULL(
      `Cannot keep ${fresh.size} ${kind} evidence entries for ${agent.agentId}: ` +
        `expected at most ${max} per agent, found ${held} held`,
      { agentId: agent.agentId, held, evidenceEntriesPerAgentMax: max },
    );
  if (fresh.size > 0) tx.put(k.evidenceCount(agent.agentId), held + fresh.size);
  for (const [hash, entry] of fresh) {
    const set = await entrySetFact(tx, entry);
    const record: StoredEvidence = {
      agentId: agent.agentId,
      kind,
      evidenceHash: hash,
      receivedAt: meta.receivedAt,
      found: entry,
      stored: await storedAt(tx, agent.agentId, entry.seq),
      reason: meta.reason,
      set,
    };
    const key = k.evidence(entry.tahap, entry.kpmId, agent.agentId, hash);
    tx.put(key, record);
    tx.put(k.evidenceByAgent(agent.agentId, hash), key);
    if (kind === 'fork') tx.put(k.forkEntry(agent.agentId, entry.seq, entry.hash), key);
    await addEntryToPosition(tx, env.recon, agent, entry, {
      receivedAt: meta.receivedAt,
      source: kind,
      evidenceHash: hash,
      set,
    });
  }
}

/**
 * Keeps entries as evidence of the given kind and flags the agent at seq (recordTampered and
 * recordFork of both stores). A fork with no entry (a checkpoint that contradicts the held chain:
 * the checkpoint itself is the evidence) only flags.
 */
export async function recordEvidenceIntoTx(
  tx: Tx,
  env: IngestEnv,
  agentId: string,
  kind: 'fork' | 'tampered',
  record: {
    readonly seq: number;
    readonly entries: readonly LedgerEntry[];
    readonly reason: string;
    readonly receivedAt: number;
  },
): Promise<void> {
  const agent = await tx.get<AgentRecord>(k.agent(agentId));
  if (agent === undefined)
    throw new ERR_AGENT_UNKNOWN(`Cannot record evidence for ${agentId}: expected an enrolled agent, found none`);
  await keepEvidence(tx, env, agent, kind, record.entries, { receivedAt: record.receivedAt, reason: record.reason });
  const fresh = (await tx.get<AgentRecord>(k.agent(agentId))) ?? agent;
  flagAgent(tx, fresh, kind, record.seq, record.receivedAt);
}

/** Flags the agent once per kind and seq (the same fork sent again adds nothing); at most 100 flags listed. */
export function flagAgent(tx: Tx, agent: AgentRecord, kind: 'fork' | 'tampered', seq: number, at: number): void {
  if (agent.flagged && agent.flags.some((f) => f.kind === kind && f.seq === seq)) return;
  const flags = agent.flags.length >= 100 ? agent.flags : [...agent.flags, { at, kind, seq }];
  tx.put(k.agent(agent.agentId), { ...agent, flagged: true, flags });
}

function chainLookup(tx: Tx, agentId: string, head: ChainHead): ChainLookup {
  return {
    head,
    link: (seq) => tx.get<ChainLink>(k.chain(agentId, seq)),
    isForkEntry: async (seq, hash) => seq >= 1 && (await tx.get(k.forkEntry(agentId, seq, hash))) !== undefined,
  };
}

function appendIntoTx(tx: Tx, agentId: string, stored: StoredEntry): void {
  const { entry } = stored;
  tx.put(k.chain(agentId, entry.seq), {
    id: entry.id,
    hash: entry.hash,
    tahap: entry.tahap,
    kpmId: entry.kpmId,
  } satisfies ChainLink);
  tx.put(k.entry(entry.tahap, entry.kpmId, agentId, entry.seq), stored);
}

/** Runs inside the write lock; the caller commits tx only for 'accepted' and 'fork'. */
export async function ingestIntoTx(
  tx: Tx,
  env: IngestEnv,
  agent: AgentRecord,
  entries: readonly LedgerEntry[],
  receivedAt: number,
): Promise<IngestOutcome> {
  const head = (await tx.get<ChainHead>(k.head(agent.agentId))) ?? genesisHead;
  const plan = await planSegment(chainLookup(tx, agent.agentId, head), entries);
  if (plan.kind === 'gap' || plan.kind === 'prevHash') return plan;
  if (plan.kind === 'fork') {
    await keepEvidence(tx, env, agent, 'fork', plan.branch, { receivedAt, reason: 'fork' });
    flagAgent(tx, agent, 'fork', plan.seq, receivedAt);
    return { kind: 'fork', seq: plan.seq, storedHash: plan.storedHash, foundHash: plan.foundHash };
  }
  // One read for the records every fresh entry needs (its KPM's position, the set it names)
  // instead of two point reads per entry: the per-entry reads were the largest main-thread cost
  // of ingest (bench/gateway-ingest.ts profile, BENCHMARKS.md issue 13).
  await tx.prefetch(
    plan.fresh.flatMap((e) =>
      e.kind === 'withdrawal'
        ? [k.position(e.tahap, e.kpmId), k.entitlementSet(e.entitlementSetId)]
        : [k.position(e.tahap, e.kpmId)],
    ),
  );
  let last = head;
  const byPosition = new Map<string, { entry: LedgerEntry; set: SetFact | undefined }[]>();
  for (const entry of plan.fresh) {
    const set = await entrySetFact(tx, entry);
    appendIntoTx(tx, agent.agentId, { entry, receivedAt, set });
    const key = k.position(entry.tahap, entry.kpmId);
    const added = byPosition.get(key) ?? [];
    added.push({ entry, set: set ?? undefined });
    byPosition.set(key, added);
    last = { seq: entry.seq, hash: entry.hash };
  }
  // One update per KPM position with all of its entries of this upload, in seq order: the same
  // facts, classified once before and once after rather than once per entry (a position holding
  // n entries cost O(n) per entry to clone, classify and serialise; a drain of one agent's
  // backlog meets the same few KPMs hundreds of times).
  for (const added of byPosition.values()) {
    const { tahap, kpmId } = added[0]!.entry;
    await updatePosition(tx, env.recon, tahap, kpmId, (facts) => {
      for (const { entry, set } of added) {
        checkRoom(facts);
        addEntryFact(facts, entry, { receivedAt, source: 'chain', evidenceHash: undefined, set, agent });
      }
    });
  }
  if (plan.fresh.length > 0) tx.put(k.head(agent.agentId), last);
  return { kind: 'accepted', accepted: plan.fresh.length, duplicates: plan.duplicates, head: last };
}
