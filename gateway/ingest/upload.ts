/**
 * Verifying and storing one chain segment from an agent (an HTTP upload or a chunk of a bundle).
 * Cheap structural checks first, then every entry's hash and signature (outside the store's
 * write lock: this is the CPU-heavy part, spread over worker threads by `verifier`), then the
 * store decides duplicate / fork / gap / append against the head it holds. Anything refused
 * throws the coded error of the contract; only a fork and a tampered entry leave a trace
 * (evidence and a flag on the agent).
 */
import type { ChainHead } from '../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { ERR_UPLOAD_ENTRY_INVALID, ERR_UPLOAD_FORK, ERR_UPLOAD_GAP } from '../errors.ts';
import { isEdcError } from '../../protocol/errors.ts';
import { inlineVerifier, type ChainVerifier } from '../crypto/verify-pool.ts';
import type { AgentRecord, ChainStore, CheckpointStore } from '../store/types.ts';
import type { OrderTicket, UploadOrderGate } from './order-gate.ts';

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly head: ChainHead;
}

function invalid(
  index: number,
  entry: LedgerEntry | undefined,
  reason: 'hash' | 'signature' | 'prevHash' | 'agentId' | 'order',
  expected: string,
  found: string,
): never {
  const seq = entry?.seq ?? 0;
  throw new ERR_UPLOAD_ENTRY_INVALID(
    `Cannot accept upload: entry ${index} (seq ${seq}) ${reason}: expected ${expected}, found ${found}`,
    { index, seq, reason },
  );
}

/**
 * A held SMS checkpoint inside the segment whose head hash is not the uploaded entry's: the agent
 * rewrote history after signing it. The entry is kept as evidence (the agent is flagged) and the
 * upload refused as a fork, the checkpoint in the details.
 */
async function checkAgainstCheckpoints(
  store: Pick<ChainStore, 'recordFork'> & Partial<Pick<CheckpointStore, 'checkpointsFrom'>>,
  agentId: string,
  entries: readonly LedgerEntry[],
  receivedAt: number,
): Promise<void> {
  if (store.checkpointsFrom === undefined) return;
  const first = entries[0]!.seq;
  const last = entries[entries.length - 1]!.seq;
  for (let from = first; from <= last;) {
    const held = await store.checkpointsFrom(agentId, from, 1000);
    const inside = held.filter((c) => c.seq <= last);
    for (const checkpoint of inside) {
      const entry = entries[checkpoint.seq - first]!;
      if (entry.hash === checkpoint.headHash) continue;
      // Validly signed and contradicting the agent's own signed checkpoint: the agent signed two
      // histories, a fork (not tampering); the rewritten entry counts as fork evidence.
      await store.recordFork(agentId, { seq: checkpoint.seq, entries: [entry], reason: 'checkpoint', receivedAt });
      throw new ERR_UPLOAD_FORK(
        `Cannot accept upload: entry at seq ${checkpoint.seq} has hash ${entry.hash.slice(0, 12)}.., ` +
          `the agent's signed checkpoint (SMS from ${checkpoint.sender}) says ` +
          `${checkpoint.headHash.slice(0, 12)}.. (fork; evidence kept)`,
        { seq: checkpoint.seq, foundHash: entry.hash, checkpoint },
      );
    }
    if (held.length < 1000 || inside.length < held.length) return;
    from = held[held.length - 1]!.seq + 1;
  }
}

export async function ingestSegment(
  store: Pick<ChainStore, 'head' | 'ingest' | 'recordTampered' | 'recordFork'> &
    Partial<Pick<CheckpointStore, 'checkpointsFrom'>>,
  agent: AgentRecord,
  entries: readonly LedgerEntry[],
  receivedAt: number,
  verifier: ChainVerifier = inlineVerifier,
  order?: UploadOrderGate,
): Promise<IngestResult> {
  entries.forEach((entry, index) => {
    if (entry.agentId !== agent.agentId) invalid(index, entry, 'agentId', agent.agentId, entry.agentId);
  });
  const first = entries[0];
  if (first === undefined) return { accepted: 0, duplicates: 0, head: await store.head(agent.agentId) };
  const ticket = order?.enter(agent.agentId, first.seq, entries[entries.length - 1]!.seq);
  try {
    return await verifyAndStore(store, agent, entries, receivedAt, verifier, ticket);
  } catch (error) {
    // A pipelined upload may have overtaken its predecessor on the way in (order-gate.ts).
    if (order === undefined || !isEdcError(error, ERR_UPLOAD_GAP.code)) throw error;
    if (!(await order.predecessorSettled(agent.agentId, first.seq - 1))) throw error;
    return await storeVerified(store, agent, entries, receivedAt);
  } finally {
    ticket?.leave();
  }
}

async function verifyAndStore(
  store: Pick<ChainStore, 'head' | 'ingest' | 'recordTampered' | 'recordFork'> &
    Partial<Pick<CheckpointStore, 'checkpointsFrom'>>,
  agent: AgentRecord,
  entries: readonly LedgerEntry[],
  receivedAt: number,
  verifier: ChainVerifier,
  ticket: OrderTicket | undefined,
): Promise<IngestResult> {
  const first = entries[0]!;
  const chainBreak = await verifier.findChainBreak(
    entries,
    { seq: first.seq - 1, hash: first.prevHash },
    agent.publicKey,
  );
  if (chainBreak !== undefined) {
    const entry = entries[chainBreak.index];
    if (chainBreak.kind === 'gap')
      invalid(chainBreak.index, entry, 'order', `seq ${chainBreak.expectedSeq}`, `seq ${chainBreak.foundSeq}`);
    if (chainBreak.kind === 'prevHash')
      invalid(
        chainBreak.index,
        entry,
        'prevHash',
        chainBreak.expectedPrevHash.slice(0, 12),
        chainBreak.foundPrevHash.slice(0, 12),
      );
    if (entry !== undefined) await store.recordTampered(agent.agentId, [entry], chainBreak.kind, receivedAt);
    invalid(
      chainBreak.index,
      entry,
      chainBreak.kind,
      `a valid ${chainBreak.kind}`,
      `one that does not verify with the enrolled key`,
    );
  }
  // Verified: now wait for this agent's previous upload, if it is still in flight here (order-gate.ts).
  await ticket?.ready();
  return storeVerified(store, agent, entries, receivedAt);
}

/** The store step of a verified segment: checkpoints, then the store's plan against its head. */
async function storeVerified(
  store: Pick<ChainStore, 'ingest' | 'recordFork'> & Partial<Pick<CheckpointStore, 'checkpointsFrom'>>,
  agent: AgentRecord,
  entries: readonly LedgerEntry[],
  receivedAt: number,
): Promise<IngestResult> {
  await checkAgainstCheckpoints(store, agent.agentId, entries, receivedAt);
  const outcome = await store.ingest(agent.agentId, entries, receivedAt);
  switch (outcome.kind) {
    case 'accepted':
      return outcome;
    case 'fork':
      throw new ERR_UPLOAD_FORK(
        `Cannot accept upload: entry at seq ${outcome.seq} has hash ${outcome.foundHash.slice(0, 12)}.., ` +
          `the gateway holds ${outcome.storedHash.slice(0, 12)}.. (fork; evidence kept)`,
        {
          seq: outcome.seq,
          storedHash: outcome.storedHash,
          foundHash: outcome.foundHash,
        },
      );
    case 'gap':
      throw new ERR_UPLOAD_GAP(
        `Cannot accept upload: expected seq ${outcome.expectedSeq} (head ${outcome.headSeq}), ` +
          `found ${outcome.foundSeq}`,
        {
          headSeq: outcome.headSeq,
          expectedSeq: outcome.expectedSeq,
          foundSeq: outcome.foundSeq,
        },
      );
    case 'prevHash':
      return invalid(outcome.index, entries[outcome.index], 'prevHash', 'the hash of the gateway head', 'another hash');
  }
}
