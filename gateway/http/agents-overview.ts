/**
 * The Agen screen's rows and the agent gauges of /metrics: each enrolled agent with the head
 * the gateway holds for its chain, its last successful request (to this process, AgentActivity;
 * else the contact the store kept, written at most once a minute, so it survives a restart) and
 * whether it is behind. An active agent is behind when its last contact is older than
 * `behindAfterMs`; one never seen is `unknown`, not behind.
 */
import type { AgentContactRecord, AgentRecord, Page } from '../store/types.ts';
import type { GatewayContext } from './context.ts';
import { lastSyncAgeOf, reportedQueueBucketOf, type AgentGaugeValues, type LastSyncAge } from './metrics.ts';
import type { ReportedQueueBucket } from './metrics.ts';

export const behindAfterMsDefault = 24 * 3_600_000;
/** Most agents one scrape walks (the gauges then cover the first ones in id order). */
export const agentsScannedMax = 100_000;

export interface AgentOverview {
  readonly agentId: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly status: AgentRecord['status'];
  readonly flagged: boolean;
  readonly flags: AgentRecord['flags'];
  readonly createdAt: number;
  readonly revokedAt: number | null;
  /** The last entry of the agent's chain this gateway holds. */
  readonly gatewayHeadSeq: number;
  readonly lastContactAt: number | null;
  readonly lastUploadAt: number | null;
  /** The agent's last signed checkpoint received over SMS (highest seq), beside its last upload. */
  readonly lastCheckpoint: {
    readonly seq: number;
    readonly at: number;
    readonly receivedAt: number;
    readonly withdrawn: number;
    readonly reversed: number;
    readonly sender: string;
  } | null;
  readonly lastEntitlementAt: number | null;
  readonly sync: 'ok' | 'behind' | 'unknown';
  /** The agent's own head and queue from its last upload that carried agentStatus; null when none did. */
  readonly reported: {
    readonly at: number;
    readonly headSeq: number;
    readonly queued: number;
    readonly oldestQueuedAt: number | null;
    /** Entries the agent said it holds that the gateway still lacks: reported head - gateway head, at least 0. */
    readonly unsent: number;
  } | null;
}

function reportedOf(contact: AgentContactRecord | undefined, gatewayHeadSeq: number): AgentOverview['reported'] {
  const r = contact?.reported;
  if (r === undefined) return null;
  return {
    at: r.at,
    headSeq: r.headSeq,
    queued: r.queued,
    oldestQueuedAt: r.oldestQueuedAt ?? null,
    unsent: Math.max(0, r.headSeq - gatewayHeadSeq),
  };
}

type Ctx = Pick<GatewayContext, 'store' | 'activity' | 'now'>;

function syncOf(agent: AgentRecord, lastContactAt: number | undefined, now: number, behindAfterMs: number) {
  if (agent.status !== 'active') return 'ok' as const;
  if (lastContactAt === undefined) return 'unknown' as const;
  return now - lastContactAt >= behindAfterMs ? ('behind' as const) : ('ok' as const);
}

/** The agent's contact seen by this process, else the one last stored (survives a restart). */
async function contactOf(ctx: Ctx, agentId: string): Promise<AgentContactRecord | undefined> {
  return ctx.activity.get(agentId) ?? (await ctx.store.agentContact(agentId));
}

export async function overviewOf(ctx: Ctx, agent: AgentRecord, behindAfterMs: number): Promise<AgentOverview> {
  const contact = await contactOf(ctx, agent.agentId);
  const head = await ctx.store.head(agent.agentId);
  const checkpoint = await ctx.store.lastCheckpoint(agent.agentId);
  return {
    agentId: agent.agentId,
    bank: agent.bank,
    regionCode: agent.regionCode,
    status: agent.status,
    flagged: agent.flagged,
    flags: agent.flags,
    createdAt: agent.createdAt,
    revokedAt: agent.revokedAt ?? null,
    gatewayHeadSeq: head.seq,
    lastContactAt: contact?.lastContactAt ?? null,
    lastUploadAt: contact?.lastUploadAt ?? null,
    lastCheckpoint:
      checkpoint === undefined
        ? null
        : {
            seq: checkpoint.seq,
            at: checkpoint.at,
            receivedAt: checkpoint.receivedAt,
            withdrawn: checkpoint.withdrawn,
            reversed: checkpoint.reversed,
            sender: checkpoint.sender,
          },
    lastEntitlementAt: contact?.lastEntitlementAt ?? null,
    sync: syncOf(agent, contact?.lastContactAt, ctx.now(), behindAfterMs),
    reported: reportedOf(contact, head.seq),
  };
}

export async function agentsOverview(
  ctx: Ctx,
  query: { readonly after?: string | undefined; readonly limit: number; readonly behindAfterMs: number },
): Promise<Page<AgentOverview>> {
  const page = await ctx.store.listAgents({ after: query.after, limit: query.limit });
  const items: AgentOverview[] = [];
  for (const agent of page.items) items.push(await overviewOf(ctx, agent, query.behindAfterMs));
  return { items, next: page.next };
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Counts for the agent gauges: active agents by bank (behind, last-sync age), flagged agents by bank. */
export async function agentGauges(ctx: Ctx): Promise<AgentGaugeValues> {
  const behindByBank = new Map<string, number>();
  const flaggedByBank = new Map<string, number>();
  const byLastSync = new Map<string, Map<LastSyncAge, number>>();
  const byReportedQueue = new Map<string, Map<ReportedQueueBucket, number>>();
  const reportedQueueByBank = new Map<string, number>();
  const now = ctx.now();
  let after: string | undefined;
  let scanned = 0;
  do {
    const page = await ctx.store.listAgents({ after, limit: 1000 });
    for (const agent of page.items) {
      if (agent.flagged) bump(flaggedByBank, agent.bank);
      if (agent.status !== 'active') continue;
      const contact = await contactOf(ctx, agent.agentId);
      const unsent = await reportedUnsent(ctx, agent.agentId, contact);
      const depths = byReportedQueue.get(agent.bank) ?? new Map<ReportedQueueBucket, number>();
      byReportedQueue.set(agent.bank, depths);
      bump(depths, reportedQueueBucketOf(unsent));
      reportedQueueByBank.set(agent.bank, (reportedQueueByBank.get(agent.bank) ?? 0) + (unsent ?? 0));
      const last = contact?.lastContactAt;
      const ages = byLastSync.get(agent.bank) ?? new Map<LastSyncAge, number>();
      byLastSync.set(agent.bank, ages);
      bump(ages, lastSyncAgeOf(last === undefined ? undefined : now - last));
      behindByBank.set(agent.bank, behindByBank.get(agent.bank) ?? 0);
      if (syncOf(agent, last, now, behindAfterMsDefault) === 'behind') bump(behindByBank, agent.bank);
    }
    scanned += page.items.length;
    after = page.next;
  } while (after !== undefined && scanned < agentsScannedMax);
  return { behindByBank, byLastSync, flaggedByBank, byReportedQueue, reportedQueueByBank };
}

/** Reported head - gateway head (at least 0); undefined when the agent never reported. */
async function reportedUnsent(ctx: Ctx, agentId: string, contact: AgentContactRecord | undefined) {
  if (contact?.reported === undefined) return undefined;
  return Math.max(0, contact.reported.headSeq - (await ctx.store.head(agentId)).seq);
}
