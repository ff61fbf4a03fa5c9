/** status(): what an agent or the status page needs to see at a glance. */
import type { CoreState } from './state.ts';
import { emptyDay, localDay } from './state.ts';
import type { EngineContext } from './context.ts';
import { seqKey } from './store.ts';
import type { AgentCoreStatus, AuthorizationState } from './types.ts';

export interface StatusExtras {
  readonly authorization: AuthorizationState;
  readonly clock: AgentCoreStatus['clock'];
  /** False while the ledger handle cannot be read (storage failure, damage): no disk read then. */
  readonly readable: boolean;
}

export async function buildStatus(
  state: CoreState,
  context: EngineContext,
  now: number,
  extras: StatusExtras,
): Promise<AgentCoreStatus> {
  const set = state.set;
  const date = localDay(now, context.utcOffsetMinutes);
  return {
    agentId: context.agentId,
    head: { ...state.head },
    ackHead: { ...state.ack },
    queueDepth: state.head.seq - state.ack.seq,
    queueEntriesMax: set?.limits.queueEntriesMax ?? null,
    oldestUnacknowledgedAgeMs: extras.readable ? await oldestAge(state, context, now) : null,
    lastSyncAt: state.lastSyncAt,
    entitlementSet:
      set === null
        ? null
        : {
            setId: set.setId,
            tahap: set.tahap,
            issuedAt: set.issuedAt,
            expiresAt: set.expiresAt,
            expired: now >= set.expiresAt,
            kpmCount: set.entitlements.length,
          },
    offlineExposure: { amount: state.exposure, max: set?.limits.cashFloat ?? null },
    today: state.today.date === date ? structuredClone(state.today) : emptyDay(date),
    haltReason: state.halt,
    authorization: { ...extras.authorization },
    clock: { ...extras.clock },
  };
}

async function oldestAge(state: CoreState, context: EngineContext, now: number): Promise<number | null> {
  if (state.head.seq <= state.ack.seq) return null;
  try {
    const oldest = (await context.db.sub.entries.get(seqKey(state.ack.seq + 1))) as { at?: number } | undefined;
    return oldest?.at === undefined ? null : Math.max(0, now - oldest.at);
  } catch {
    // Status must show even when the disk does not answer; the refusal says why.
    return null;
  }
}
