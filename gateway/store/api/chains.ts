/** Chains and evidence: each agent's accepted chain, its head, and what was kept of forks and tampering. */
import type { ChainHead } from '../../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../../protocol/messages/schemas.ts';

export type IngestOutcome =
  | { readonly kind: 'accepted'; readonly accepted: number; readonly duplicates: number; readonly head: ChainHead }
  | { readonly kind: 'fork'; readonly seq: number; readonly storedHash: string; readonly foundHash: string }
  | { readonly kind: 'gap'; readonly headSeq: number; readonly expectedSeq: number; readonly foundSeq: number }
  | { readonly kind: 'prevHash'; readonly index: number; readonly seq: number };

export interface EvidenceRecord {
  readonly agentId: string;
  /** fork: verifies with the agent's key but conflicts with the chain held; tampered: does not verify. */
  readonly kind: 'fork' | 'tampered';
  /** SHA-256 of `found` as received (recon/evidence.ts): the record's identity. */
  readonly evidenceHash: string;
  readonly receivedAt: number;
  readonly found: LedgerEntry;
  /** The chain's entry at found.seq, when the chain reaches that seq. */
  readonly stored: LedgerEntry | undefined;
  readonly reason: string;
}

export interface ChainStore {
  /** The agent's head (genesis when it has none). */
  head(agentId: string): Promise<ChainHead>;
  /**
   * Stores entries that already passed schema, agentId, order, hash and signature checks as one
   * chain segment, atomically (gateway/ingest/plan.ts decides): duplicates acknowledged; new
   * entries appended with their reconciliation effects; a fork (an entry that differs from the
   * chain's at a held seq, or one that continues a kept fork branch) keeps the whole conflicting
   * branch from that entry on as fork evidence, counted in reconciliation, and flags the agent;
   * a gap or a prevHash break is refused. Evidence beyond the per-agent bound is refused with
   * EDC_ERR_EVIDENCE_FULL and changes nothing.
   */
  ingest(agentId: string, entries: readonly LedgerEntry[], receivedAt: number): Promise<IngestOutcome>;
  /**
   * Records entries of a tampered upload (bad hash or signature) as evidence (each once, by its
   * evidence hash); flags the agent. Beyond the per-agent bound: EDC_ERR_EVIDENCE_FULL, nothing kept.
   */
  recordTampered(agentId: string, entries: readonly LedgerEntry[], reason: string, receivedAt: number): Promise<void>;
  /**
   * Records a fork found by a signed SMS checkpoint: entries (validly signed, contradicting the
   * checkpoint) kept as fork evidence, counted in reconciliation like a fork branch; the agent
   * flagged `fork` at seq once. No entries: a checkpoint that contradicts the held chain, the
   * checkpoint itself (held by CheckpointStore) is the evidence; only the flag is added.
   * Beyond the per-agent bound: EDC_ERR_EVIDENCE_FULL, nothing kept.
   */
  recordFork(agentId: string, fork: ForkRecord): Promise<void>;
  /** Accepted entries from fromSeq on, in seq order, at most limit. */
  entries(agentId: string, fromSeq: number, limit: number): Promise<LedgerEntry[]>;
  /** The agent's evidence records, at most limit. */
  evidence(agentId: string, limit: number): Promise<EvidenceRecord[]>;
}

/** A fork shown by a signed checkpoint (ChainStore.recordFork). */
export interface ForkRecord {
  readonly seq: number;
  readonly entries: readonly LedgerEntry[];
  readonly reason: string;
  readonly receivedAt: number;
}
