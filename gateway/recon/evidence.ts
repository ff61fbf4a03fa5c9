/**
 * The identity of a withdrawal record. An accepted chain entry is named by its agent, seq and
 * hash. Evidence is named by what was received, not by what it claims: a tampered entry keeps the
 * genuine entry's `hash` field (that is what tampering looks like), so its identity is the
 * evidence hash, the SHA-256 of the entry's canonical JSON as received (hash and sig included),
 * together with its kind. So a tampered copy and the genuine entry of the same seq are two
 * records with two refs and two exception ids, and two different tampered copies are two records.
 *
 *   chain     {agentId}:{seq}:{hash}
 *   evidence  {agentId}:{seq}:{fork|tampered}:{evidenceHash}
 */
import { canonicalJson } from '../../protocol/crypto/canonical.ts';
import { sha256Hex } from '../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';

/**
 * Where a record comes from: `chain`, the agent's accepted chain; `fork`, an entry that verifies
 * with the agent's key on a branch that conflicts with the accepted chain (a cloned key, or a
 * device that lost entries and reused seqs); `tampered`, an entry whose hash or signature does
 * not verify.
 */
export type WithdrawalSource = 'chain' | 'fork' | 'tampered';
export type EvidenceKind = Exclude<WithdrawalSource, 'chain'>;

/** Default bound of evidence entries (fork branches and tampered entries) kept per agent. */
export const evidenceEntriesPerAgentMaxDefault = 10_000;

export function evidenceHash(entry: LedgerEntry): string {
  return sha256Hex(canonicalJson(entry));
}

export interface WithdrawalIdentity {
  readonly agentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly source: WithdrawalSource;
  /** Set for evidence (fork, tampered), undefined for a chain entry. */
  readonly evidenceHash?: string | undefined;
}

export function withdrawalRef(w: WithdrawalIdentity): string {
  if (w.source === 'chain') return `${w.agentId}:${w.seq}:${w.hash}`;
  return `${w.agentId}:${w.seq}:${w.source}:${w.evidenceHash ?? ''}`;
}
