/**
 * The ledger's arithmetic, in one place for the write path, installEntitlementSet and
 * verifyLedger.
 *
 * Remaining entitlement per KPM:
 *   remaining(kpm) = set.remaining(kpm) - net withdrawals of kpm with seq > set.basedOnSeq
 * where net = withdrawals minus reversals. The gateway has already subtracted everything up to
 * basedOnSeq; what the agent did after that only the agent knows yet. Not floored at 0: a
 * negative figure (the agent paid out more than the gateway now allows) approves nothing, and
 * keeping it exact lets a later reversal add back without breaking the equation.
 *
 * Offline exposure, with the acknowledged cursor at seq A:
 *   exposure(A) = sum of withdrawals with seq > A
 *               - sum of reversals with seq > A whose withdrawal also has seq > A
 * the cash paid out that the gateway has not heard of. A reversal of a withdrawal the gateway
 * already holds frees nothing here (the gateway counts that cash as paid until it hears of the
 * reversal), so the figure never goes below 0. It does not depend on the entitlement set, so a
 * new set does not reset it; only receipts lower it.
 */
import type { LedgerEntry, SignedEntitlementSet } from '../../protocol/messages/index.ts';
import type { LedgerDb } from './store.ts';
import { seqKey } from './store.ts';

export interface NetSince {
  readonly byKpm: Map<string, number>;
  total: number;
}

export function addToNet(net: NetSince, entry: LedgerEntry): void {
  const signed = entry.kind === 'withdrawal' ? entry.amount : -entry.amount;
  net.byKpm.set(entry.kpmId, (net.byKpm.get(entry.kpmId) ?? 0) + signed);
  net.total += signed;
}

export async function netSince(db: LedgerDb, basedOnSeq: number): Promise<NetSince> {
  const net: NetSince = { byKpm: new Map(), total: 0 };
  for await (const [, value] of db.sub.entries.iterate({ gt: seqKey(basedOnSeq) })) addToNet(net, value as LedgerEntry);
  return net;
}

export function expectedRemaining(set: SignedEntitlementSet, net: NetSince): Map<string, number> {
  const remaining = new Map<string, number>();
  for (const e of set.entitlements) remaining.set(e.kpmId, e.remaining - (net.byKpm.get(e.kpmId) ?? 0));
  return remaining;
}

/** One entry's share of exposure(ackSeq), for an entry with seq > ackSeq. */
export function exposureShare(entry: LedgerEntry, ackSeq: number): number {
  if (entry.kind === 'withdrawal') return entry.amount;
  return entry.reversesSeq > ackSeq ? -entry.amount : 0;
}

export async function exposureOfTail(db: LedgerDb, ackSeq: number): Promise<number> {
  let exposure = 0;
  for await (const [, value] of db.sub.entries.iterate({ gt: seqKey(ackSeq) }))
    exposure += exposureShare(value as LedgerEntry, ackSeq);
  return exposure;
}

/**
 * How much exposure falls when the cursor moves from `from` to `to`: the entries in (from, to]
 * leave the sum, and a reversal after `to` of a withdrawal in (from, to] stops counting too.
 */
export async function exposureReleased(db: LedgerDb, from: number, to: number): Promise<number> {
  let released = 0;
  const withdrawals: Array<{ id: string; amount: number }> = [];
  for await (const [, value] of db.sub.entries.iterate({ gt: seqKey(from), lte: seqKey(to) })) {
    const entry = value as LedgerEntry;
    released += exposureShare(entry, from);
    if (entry.kind === 'withdrawal') withdrawals.push({ id: entry.id, amount: entry.amount });
  }
  const reversedAt = await db.sub.reversals.getMany(withdrawals.map((w) => w.id));
  withdrawals.forEach((w, i) => {
    const seq = reversedAt[i];
    if (typeof seq === 'number' && seq > to) released -= w.amount;
  });
  return released;
}
