/**
 * The entitlement arithmetic, in one place for installEntitlementSet and verifyLedger:
 *   remaining(kpm) = set.remaining(kpm) - net withdrawals of kpm with seq > set.basedOnSeq
 *   floatLeft      = set.limits.cashFloat - net withdrawals of all KPMs with seq > basedOnSeq
 * where net = withdrawals minus reversals. The gateway has already subtracted everything up to
 * basedOnSeq; what the agent did after that only the agent knows yet. Neither is floored at 0:
 * a negative figure (the agent paid out more than the gateway now allows) approves nothing, and
 * keeping it exact lets a later reversal add back without breaking the equation.
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
  for await (const value of db.sub.entries.values({ gt: seqKey(basedOnSeq) })) addToNet(net, value as LedgerEntry);
  return net;
}

export function expectedRemaining(set: SignedEntitlementSet, net: NetSince): Map<string, number> {
  const remaining = new Map<string, number>();
  for (const e of set.entitlements) remaining.set(e.kpmId, e.remaining - (net.byKpm.get(e.kpmId) ?? 0));
  return remaining;
}

export function expectedFloat(set: SignedEntitlementSet, net: NetSince): number {
  return set.limits.cashFloat - net.total;
}
