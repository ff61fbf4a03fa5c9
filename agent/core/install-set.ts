/**
 * installEntitlementSet: verify, then replace the installed set and every KPM's remaining figure
 * in one synced batch. Refused (coded error, nothing changed) when the set is malformed, not
 * signed by the gateway, for another agent, already expired, older than the one installed, or
 * based on entries this ledger does not have. The offline exposure is not touched: it counts
 * what the gateway has not acknowledged, whatever set is installed.
 */
import { SignedEntitlementSet, verifyEntitlementSet } from '../../protocol/messages/index.ts';
import { expectedRemaining, netSince } from './arithmetic.ts';
import type { EngineContext } from './context.ts';
import {
  ERR_ENTITLEMENT_AGENT,
  ERR_ENTITLEMENT_AHEAD,
  ERR_ENTITLEMENT_EXPIRED,
  ERR_ENTITLEMENT_INVALID,
  ERR_ENTITLEMENT_SIGNATURE,
  ERR_ENTITLEMENT_STALE,
} from './errors.ts';
import type { CoreState } from './state.ts';
import type { BatchOp } from './types.ts';

export function checkSet(input: unknown, state: CoreState, context: EngineContext, now: number): SignedEntitlementSet {
  const parsed = SignedEntitlementSet.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ERR_ENTITLEMENT_INVALID(
      `Cannot install entitlement set: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
      {
        issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    );
  }
  const set = parsed.data;
  if (!verifyEntitlementSet(set, context.gatewayPublicKey)) {
    throw new ERR_ENTITLEMENT_SIGNATURE(
      `Cannot install entitlement set ${set.setId}: its signature does not verify with the gateway key`,
      { setId: set.setId },
    );
  }
  if (set.agentId !== context.agentId) {
    throw new ERR_ENTITLEMENT_AGENT(
      `Cannot install entitlement set ${set.setId}: issued for agent ${set.agentId}, this agent is ${context.agentId}`,
      {
        setId: set.setId,
      },
    );
  }
  if (now >= set.expiresAt) {
    throw new ERR_ENTITLEMENT_EXPIRED(
      `Cannot install entitlement set ${set.setId}: expired at ${new Date(set.expiresAt).toISOString()}, ` +
        `now ${new Date(now).toISOString()}`,
      {
        setId: set.setId,
        expiresAt: set.expiresAt,
      },
    );
  }
  if (set.basedOnSeq > state.head.seq) {
    throw new ERR_ENTITLEMENT_AHEAD(
      `Cannot install entitlement set ${set.setId}: based on seq ${set.basedOnSeq}, ` +
        `this ledger's head is seq ${state.head.seq}`,
      {
        basedOnSeq: set.basedOnSeq,
        headSeq: state.head.seq,
      },
    );
  }
  checkNotOlder(set, state.set);
  return set;
}

function checkNotOlder(set: SignedEntitlementSet, current: SignedEntitlementSet | null): void {
  if (current === null) return;
  if (set.issuedAt < current.issuedAt || set.basedOnSeq < current.basedOnSeq) {
    throw new ERR_ENTITLEMENT_STALE(
      `Cannot install entitlement set ${set.setId}: issued ${set.issuedAt} based on seq ${set.basedOnSeq}, ` +
        `older than installed set ${current.setId} ` +
        `(issued ${current.issuedAt}, based on seq ${current.basedOnSeq})`,
      { setId: set.setId, installedSetId: current.setId },
    );
  }
}

export async function installOps(
  set: SignedEntitlementSet,
  state: CoreState,
  context: EngineContext,
  now: number,
  times: { timeHigh: number; gatewayTimeHigh: number },
) {
  const net = await netSince(context.db, set.basedOnSeq);
  const remaining = expectedRemaining(set, net);
  const ops: BatchOp[] = [];
  for (const kpmId of state.remaining.keys())
    if (!remaining.has(kpmId)) ops.push({ type: 'del', sublevel: 'kpm', key: kpmId });
  for (const [kpmId, value] of remaining) ops.push({ type: 'put', sublevel: 'kpm', key: kpmId, value });
  ops.push({ type: 'put', sublevel: 'sets', key: 'current', value: set });
  ops.push({ type: 'put', sublevel: 'meta', key: 'lastSyncAt', value: now });
  ops.push({ type: 'put', sublevel: 'meta', key: 'timeHigh', value: times.timeHigh });
  ops.push({ type: 'put', sublevel: 'meta', key: 'gatewayTimeHigh', value: times.gatewayTimeHigh });
  return { ops, remaining };
}

export function applyInstall(
  state: CoreState,
  set: SignedEntitlementSet,
  remaining: Map<string, number>,
  now: number,
): void {
  state.set = set;
  state.panIndex = new Map(set.entitlements.map((e) => [e.panHash, e.kpmId]));
  state.remaining = remaining;
  state.lastSyncAt = now;
}
