/**
 * What a verified chain segment does to an agent's chain, decided against what the store holds
 * (its head, its chain links, the fork branches it kept), with no I/O of its own: every store
 * asks the same questions inside its own transaction and applies the same plan.
 *
 * The gateway cannot know which of two devices holding one key is the genuine one. The chain it
 * holds is the one it received first; whatever verifies with the key but conflicts with that
 * chain is a fork branch, kept as evidence and counted in reconciliation (category `fork`, held
 * out of payable until a reconciler resolves it), whichever device the staff later find genuine.
 *
 *   - an entry at a held seq with the same id and hash: a duplicate (acknowledged again);
 *   - the first entry at a held seq that differs: a fork at that seq; it and every later entry of
 *     the upload (verified and chained to each other by the caller) are the conflicting branch;
 *   - the first entry beyond the head: appended with everything after it when it is head + 1 and
 *     links to the head's hash; else a continuation of a kept fork branch when its prevHash is
 *     the hash of a kept fork entry at seq - 1 (it and the rest are that branch's next entries);
 *     else a gap (seq is not head + 1) or a prevHash break.
 */
import type { ChainHead } from '../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';

/** What a plan needs to know about the agent's stored chain. */
export interface ChainLookup {
  readonly head: ChainHead;
  /** The chain's link at a seq <= head.seq. */
  link(seq: number): Promise<{ readonly id: string; readonly hash: string } | undefined>;
  /** Whether a fork entry with this hash at this seq is kept for the agent. */
  isForkEntry(seq: number, hash: string): Promise<boolean>;
}

export type SegmentPlan =
  | { readonly kind: 'append'; readonly duplicates: number; readonly fresh: readonly LedgerEntry[] }
  | {
      readonly kind: 'fork';
      readonly duplicates: number;
      readonly seq: number;
      /** The chain's hash at seq (beyond the head: the head's hash). */
      readonly storedHash: string;
      readonly foundHash: string;
      /** The conflicting branch: the forking entry and every later entry of the upload. */
      readonly branch: readonly LedgerEntry[];
    }
  | { readonly kind: 'gap'; readonly headSeq: number; readonly expectedSeq: number; readonly foundSeq: number }
  | { readonly kind: 'prevHash'; readonly index: number; readonly seq: number };

function fork(entries: readonly LedgerEntry[], index: number, duplicates: number, storedHash: string): SegmentPlan {
  const entry = entries[index]!;
  return { kind: 'fork', duplicates, seq: entry.seq, storedHash, foundHash: entry.hash, branch: entries.slice(index) };
}

/** `entries` passed schema, agentId, order, link, hash and signature checks (consecutive seqs, chained). */
export async function planSegment(chain: ChainLookup, entries: readonly LedgerEntry[]): Promise<SegmentPlan> {
  const { head } = chain;
  let duplicates = 0;
  for (const [index, entry] of entries.entries()) {
    if (entry.seq <= head.seq) {
      const link = await chain.link(entry.seq);
      if (link === undefined) throw new Error(`chain link missing for seq ${entry.seq} below head ${head.seq} (bug)`);
      if (link.id === entry.id && link.hash === entry.hash) {
        duplicates += 1;
        continue;
      }
      return fork(entries, index, duplicates, link.hash);
    }
    if (entry.seq === head.seq + 1 && entry.prevHash === head.hash)
      return { kind: 'append', duplicates, fresh: entries.slice(index) };
    if (await chain.isForkEntry(entry.seq - 1, entry.prevHash)) return fork(entries, index, duplicates, head.hash);
    if (entry.seq !== head.seq + 1)
      return { kind: 'gap', headSeq: head.seq, expectedSeq: head.seq + 1, foundSeq: entry.seq };
    return { kind: 'prevHash', index, seq: entry.seq };
  }
  return { kind: 'append', duplicates, fresh: [] };
}
