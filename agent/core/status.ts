/** status(): what an agent or the status page needs to see at a glance. */
import type { CoreState } from './state.ts';
import { emptyDay, localDay } from './state.ts';
import type { EngineContext } from './context.ts';
import { seqKey } from './store.ts';
import type { AgentCoreStatus } from './types.ts';

export async function buildStatus(state: CoreState, context: EngineContext, now: number): Promise<AgentCoreStatus> {
  const oldest =
    state.head.seq > state.ack.seq
      ? ((await context.db.sub.entries.get(seqKey(state.ack.seq + 1))) as { at?: number } | undefined)
      : undefined;
  const set = state.set;
  const date = localDay(now, context.utcOffsetMinutes);
  return {
    agentId: context.agentId,
    head: { ...state.head },
    ackHead: { ...state.ack },
    queueDepth: state.head.seq - state.ack.seq,
    queueEntriesMax: set?.limits.queueEntriesMax ?? null,
    oldestUnacknowledgedAgeMs: oldest?.at === undefined ? null : Math.max(0, now - oldest.at),
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
    cashFloatLeft: set === null ? null : state.floatLeft,
    today: state.today.date === date ? structuredClone(state.today) : emptyDay(date),
    haltReason: state.halt,
  };
}
