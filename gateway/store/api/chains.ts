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
  readonly kind: 'fork' | 'tampered';
  readonly receivedAt: number;
  readonly found: LedgerEntry;
  readonly stored: LedgerEntry | undefined;
  readonly reason: string;
}

export interface ChainStore {
  /** The agent's head (genesis when it has none). */
  head(agentId: string): Promise<ChainHead>;
  /**
   * Stores entries that already passed schema, agentId, order, hash and signature checks as one
   * chain segment: duplicates acknowledged, a fork recorded as evidence (agent flagged), a gap or
   * a prevHash break refused, new entries appended with their reconciliation effects, atomically.
   */
  ingest(agentId: string, entries: readonly LedgerEntry[], receivedAt: number): Promise<IngestOutcome>;
  /** Records entries of a tampered upload (bad hash or signature) as evidence; flags the agent. */
  recordTampered(agentId: string, entries: readonly LedgerEntry[], reason: string, receivedAt: number): Promise<void>;
  /** Accepted entries from fromSeq on, in seq order, at most limit. */
  entries(agentId: string, fromSeq: number, limit: number): Promise<LedgerEntry[]>;
  /** The agent's evidence records, at most limit. */
  evidence(agentId: string, limit: number): Promise<EvidenceRecord[]>;
}
