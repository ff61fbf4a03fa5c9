/** Agents and keys: enrolment, look-up, revocation, and each agent's allocated KPMs. */
import type { Limits } from '../../../protocol/messages/schemas.ts';
import type { Page } from './page.ts';

export interface AgentRecord {
  readonly agentId: string;
  readonly publicKey: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly status: 'active' | 'revoked';
  /** Set when the gateway saw a fork or a tampered upload from this agent. */
  readonly flagged: boolean;
  readonly flags: readonly { readonly at: number; readonly kind: 'fork' | 'tampered'; readonly seq: number }[];
  /** Key of this agent's keyed PAN hashes (random, 32 bytes base64). */
  readonly lookupKey: string;
  readonly limits: Limits | undefined;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
}

export interface NewAgent {
  readonly agentId: string;
  readonly publicKey: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly kpmIds: readonly string[];
  readonly limits?: Limits;
}

export interface AgentStore {
  /**
   * Enrols an agent and allocates its KPMs. A KPM allocated to another active agent is refused
   * (EDC_ERR_KPM_ALLOCATED) unless `move`; an enrolled id is refused (EDC_ERR_AGENT_EXISTS).
   */
  addAgent(
    agent: NewAgent,
    options: { readonly move: boolean; readonly now: number; readonly lookupKey: string },
  ): Promise<AgentRecord>;
  getAgent(agentId: string): Promise<AgentRecord | undefined>;
  /** Agents in id order. */
  listAgents(query: { readonly after?: string | undefined; readonly limit: number }): Promise<Page<AgentRecord>>;
  /** Its requests are refused from now on; its KPMs may be allocated again. EDC_ERR_AGENT_UNKNOWN if none. */
  revokeAgent(agentId: string, now: number): Promise<AgentRecord>;
  /** The KPM ids allocated to the agent, in id order. */
  agentKpms(agentId: string): AsyncIterable<string>;
  /**
   * Keeps the agent's last contact: each time the later of the stored and the given one (a
   * time never moves back). EDC_ERR_AGENT_UNKNOWN when the agent is not enrolled.
   */
  recordAgentContact(agentId: string, contact: AgentContactRecord): Promise<void>;
  /** The agent's last recorded contact; undefined when none was recorded. */
  agentContact(agentId: string): Promise<AgentContactRecord | undefined>;
}

/** When an agent last reached the gateway with a request that succeeded (epoch ms). */
export interface AgentContactRecord {
  readonly lastContactAt: number;
  /** Last upload acknowledged; undefined when none. */
  readonly lastUploadAt?: number | undefined;
  /** Last entitlement set issued; undefined when none. */
  readonly lastEntitlementAt?: number | undefined;
  /** The agent's own head and queue, from its last upload that carried them; undefined when none did. */
  readonly reported?: ReportedAgentStatus | undefined;
}

/** An upload's agentStatus as received (protocol "Upload batch"), checked against its entries. */
export interface ReportedAgentStatus {
  /** When the gateway received it (epoch ms). */
  readonly at: number;
  readonly headSeq: number;
  readonly headHash: string;
  /** Entries the agent held after the upload's last one. */
  readonly queued: number;
  /** `at` (agent clock) of the first of those, when the agent said. */
  readonly oldestQueuedAt?: number | undefined;
}
