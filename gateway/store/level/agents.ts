/** Enrolment: agents, their KPM allocations (each KPM with at most one active agent), revocation. */
import { entitlementsPerSetMax } from '../../../protocol/messages/schemas.ts';
import { ERR_AGENT_EXISTS, ERR_AGENT_UNKNOWN, ERR_KPM_ALLOCATED } from '../../errors.ts';
import type { AgentRecord, NewAgent } from '../types.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';

export const kpmPerAgentMax = entitlementsPerSetMax;

async function checkAllocations(tx: Tx, agent: NewAgent, move: boolean): Promise<void> {
  const taken: string[] = [];
  for (const kpmId of agent.kpmIds) {
    const holder = await tx.get<string>(k.alloc(kpmId));
    if (holder === undefined || holder === agent.agentId) continue;
    const holderRecord = await tx.get<AgentRecord>(k.agent(holder));
    if (holderRecord?.status === 'active' && !move) taken.push(`${kpmId} (agent ${holder})`);
  }
  if (taken.length > 0) {
    throw new ERR_KPM_ALLOCATED(
      `Cannot allocate to ${agent.agentId}: expected KPMs not allocated to another active agent, ` +
        `found ${taken.slice(0, 10).join(', ')}${taken.length > 10 ? ` and ${taken.length - 10} more` : ''}`,
      { count: taken.length },
    );
  }
}

export async function addAgentIntoTx(
  tx: Tx,
  agent: NewAgent,
  options: { move: boolean; now: number; lookupKey: string },
): Promise<AgentRecord> {
  if ((await tx.get(k.agent(agent.agentId))) !== undefined) {
    throw new ERR_AGENT_EXISTS(`Cannot add agent ${agent.agentId}: expected a new id, found one already enrolled`, {
      agentId: agent.agentId,
    });
  }
  const kpmIds = [...new Set(agent.kpmIds)];
  if (kpmIds.length > kpmPerAgentMax) {
    throw new ERR_KPM_ALLOCATED(
      `Cannot add agent ${agent.agentId}: expected at most ${kpmPerAgentMax} KPMs, found ${kpmIds.length}`,
    );
  }
  await checkAllocations(tx, { ...agent, kpmIds }, options.move);
  for (const kpmId of kpmIds) {
    const holder = await tx.get<string>(k.alloc(kpmId));
    if (holder !== undefined) tx.del(k.agentKpm(holder, kpmId));
    tx.put(k.alloc(kpmId), agent.agentId);
    tx.put(k.agentKpm(agent.agentId, kpmId), '');
  }
  const record: AgentRecord = {
    agentId: agent.agentId,
    publicKey: agent.publicKey,
    bank: agent.bank,
    regionCode: agent.regionCode,
    status: 'active',
    flagged: false,
    flags: [],
    lookupKey: options.lookupKey,
    limits: agent.limits,
    createdAt: options.now,
    revokedAt: undefined,
  };
  tx.put(k.agent(agent.agentId), record);
  return record;
}

export async function revokeAgentIntoTx(tx: Tx, agentId: string, now: number): Promise<AgentRecord> {
  const agent = await tx.get<AgentRecord>(k.agent(agentId));
  if (agent === undefined)
    throw new ERR_AGENT_UNKNOWN(`Cannot revoke ${agentId}: expected an enrolled agent, found none`, { agentId });
  const revoked: AgentRecord = { ...agent, status: 'revoked', revokedAt: agent.revokedAt ?? now };
  tx.put(k.agent(agentId), revoked);
  return revoked;
}
