/**
 * When each agent last reached this gateway process with a request that succeeded, and with
 * what: the staff Agen screen and /metrics show it (last sync, agents behind). Kept in memory,
 * one record per enrolled agent that called (bounded by agentsTrackedMax), and written to the
 * store at most once per agent per contactPersistIntervalMs (`persistDue`), so it survives a
 * restart (then up to that interval old) without a write per upload.
 */
import type { ReportedAgentStatus } from '../store/types.ts';

export const agentsTrackedMax = 100_000;
/** Least time between two writes of one agent's contact to the store. */
export const contactPersistIntervalMs = 60_000;

export interface AgentContact {
  /** Last 2xx answer to any agent route. */
  readonly lastContactAt: number;
  /** Last 2xx upload (entries acknowledged), undefined when none since start. */
  readonly lastUploadAt: number | undefined;
  /** Last entitlement set issued. */
  readonly lastEntitlementAt: number | undefined;
  /** The agent's own head and queue from its last upload that carried them. */
  readonly reported?: ReportedAgentStatus | undefined;
}

export type AgentRoute = 'upload' | 'entitlements' | 'head';

export class AgentActivity {
  readonly #contacts = new Map<string, AgentContact>();
  /** When each agent's contact was last handed out to be stored (same bound as #contacts). */
  readonly #persistedAt = new Map<string, number>();

  record(agentId: string, route: AgentRoute, at: number): void {
    const old = this.#contacts.get(agentId);
    if (old === undefined && this.#contacts.size >= agentsTrackedMax) return;
    this.#contacts.set(agentId, {
      lastContactAt: at,
      lastUploadAt: route === 'upload' ? at : old?.lastUploadAt,
      lastEntitlementAt: route === 'entitlements' ? at : old?.lastEntitlementAt,
      reported: old?.reported,
    });
  }

  /** Keeps an upload's checked agentStatus (before its contact is recorded, when the answer leaves). */
  report(agentId: string, reported: ReportedAgentStatus): void {
    const old = this.#contacts.get(agentId);
    if (old === undefined && this.#contacts.size >= agentsTrackedMax) return;
    this.#contacts.set(agentId, {
      lastContactAt: old?.lastContactAt ?? reported.at,
      lastUploadAt: old?.lastUploadAt,
      lastEntitlementAt: old?.lastEntitlementAt,
      reported,
    });
  }

  /**
   * The agent's contact to write to the store when none was handed out in the last
   * contactPersistIntervalMs (then marked as handed out), else undefined.
   */
  persistDue(agentId: string, at: number): AgentContact | undefined {
    const contact = this.#contacts.get(agentId);
    if (contact === undefined) return undefined;
    const last = this.#persistedAt.get(agentId);
    if (last !== undefined && at - last < contactPersistIntervalMs) return undefined;
    this.#persistedAt.set(agentId, at);
    return contact;
  }

  get(agentId: string): AgentContact | undefined {
    return this.#contacts.get(agentId);
  }

  all(): ReadonlyMap<string, AgentContact> {
    return this.#contacts;
  }
}

/** Which agent route a matched URL pattern is (undefined: not an agent route). */
export function agentRouteOf(url: string | undefined): AgentRoute | undefined {
  if (url === '/v1/agents/:agentId/uploads') return 'upload';
  if (url === '/v1/agents/:agentId/entitlements') return 'entitlements';
  if (url === '/v1/agents/:agentId/head') return 'head';
  return undefined;
}
