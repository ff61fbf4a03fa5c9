/**
 * How much of an entitlement set's `remaining` for one KPM an agent had used by each of its
 * withdrawals, mirroring what the agent itself does (protocol/README.md, Entitlement set): on
 * installing a set it subtracts its own withdrawals and adds back its own reversals with seq >
 * basedOnSeq (entries the gateway had not counted when it issued the set), then decrements the
 * KPM's remaining with each approval. So by withdrawal w under set S the use is the sum of the
 * agent's chain withdrawals of the KPM with S.basedOnSeq < seq <= w.seq, minus its matched chain
 * reversals of the KPM in that range, whatever set each names: a withdrawal made offline under
 * an older set still uses the newer set's remaining if the gateway had not seen it.
 *
 * Per agent, the chain's (seq, +amount / -amount) events sorted by seq with prefix sums, so each
 * question is two binary searches whatever the number of facts.
 */
import type { ReversalFact, WithdrawalFact } from './classify.ts';

interface Events {
  readonly seqs: number[];
  /** prefix[i] = sum of the deltas of events 0..i-1. */
  readonly prefix: number[];
}

function build(deltas: { seq: number; delta: number }[]): Events {
  deltas.sort((x, y) => x.seq - y.seq);
  const seqs: number[] = [];
  const prefix = [0];
  for (const d of deltas) {
    seqs.push(d.seq);
    prefix.push(prefix[prefix.length - 1]! + d.delta);
  }
  return { seqs, prefix };
}

/** Sum of the deltas of events with seq <= upTo. */
function sumUpTo(events: Events, upTo: number): number {
  let lo = 0;
  let hi = events.seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events.seqs[mid]! <= upTo) lo = mid + 1;
    else hi = mid;
  }
  return events.prefix[lo]!;
}

export class EntitlementUse {
  readonly #byAgent = new Map<string, Events>();

  /** `withdrawals`: every withdrawal fact of the KPM; `restoring`: the chain reversals that matched a withdrawal. */
  constructor(withdrawals: readonly WithdrawalFact[], restoring: readonly ReversalFact[]) {
    const deltas = new Map<string, { seq: number; delta: number }[]>();
    const add = (agentId: string, seq: number, delta: number): void => {
      let list = deltas.get(agentId);
      if (list === undefined) deltas.set(agentId, (list = []));
      list.push({ seq, delta });
    };
    for (const w of withdrawals) if (w.source === 'chain') add(w.agentId, w.seq, w.amount);
    for (const r of restoring) if (r.source === 'chain') add(r.agentId, r.seq, -r.amount);
    for (const [agentId, list] of deltas) this.#byAgent.set(agentId, build(list));
  }

  /** What the agent had used of a set based on `basedOnSeq` by withdrawal `w` (w included). */
  usedBy(w: WithdrawalFact, basedOnSeq: number): number {
    const events = this.#byAgent.get(w.agentId);
    if (events === undefined) return 0;
    return sumUpTo(events, w.seq) - sumUpTo(events, basedOnSeq);
  }
}
