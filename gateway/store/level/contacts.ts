/**
 * Each agent's last contact with the gateway (`contact!agentId`): what the staff Agen screen and
 * /metrics show after a restart. The gateway writes it at most once per agent per minute
 * (http/agent-activity.ts), so uploads do not pay a write each; times only move forward, and so
 * does the agent's reported head and queue (`reported`, from its uploads' agentStatus).
 */
import { ERR_AGENT_UNKNOWN } from '../../errors.ts';
import type { AgentContactRecord, AgentRecord, ReportedAgentStatus } from '../types.ts';
import { getJson, type Db, type Tx } from './db.ts';
import { k } from './keys.ts';

const later = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** The later-received of two reports (a replica's older write never replaces a newer one). */
const newer = (a: ReportedAgentStatus | undefined, b: ReportedAgentStatus | undefined) =>
  a === undefined ? b : b === undefined || a.at > b.at ? a : b;

export async function recordContactIntoTx(tx: Tx, agentId: string, contact: AgentContactRecord): Promise<void> {
  if ((await tx.get<AgentRecord>(k.agent(agentId))) === undefined)
    throw new ERR_AGENT_UNKNOWN(`Cannot record contact of ${agentId}: expected an enrolled agent, found none`);
  const held = await tx.get<AgentContactRecord>(k.contact(agentId));
  const next: AgentContactRecord = {
    lastContactAt: later(held?.lastContactAt, contact.lastContactAt) ?? contact.lastContactAt,
    lastUploadAt: later(held?.lastUploadAt, contact.lastUploadAt),
    lastEntitlementAt: later(held?.lastEntitlementAt, contact.lastEntitlementAt),
    reported: newer(held?.reported, contact.reported),
  };
  tx.put(k.contact(agentId), next);
}

export function agentContact(db: Db, agentId: string): Promise<AgentContactRecord | undefined> {
  return getJson<AgentContactRecord>(db, k.contact(agentId));
}
