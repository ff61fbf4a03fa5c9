/**
 * What an agent may pay out offline: for each KPM allocated to it with a credited row in the
 * tahap, remaining = credited - drawn (never below 0) and the panHash under the agent's own
 * look-up key, read with the agent's head so basedOnSeq says which entries are already counted.
 */
import { entitlementsPerSetMax, type Entitlement } from '../../../protocol/messages/schemas.ts';
import { ERR_AGENT_UNKNOWN } from '../../errors.ts';
import { genesisHead, type ChainHead } from '../../../protocol/messages/signed.ts';
import type { AgentRecord, EntitlementSnapshot, PositionView } from '../types.ts';
import { getJson, type Db } from './db.ts';
import { k, range } from './keys.ts';
import type { PanMatcher } from '../../crypto/pan-matcher.ts';
import { kpmCategories } from '../../recon/classify.ts';
import { decodePosition } from './position-codec.ts';

async function viewOf(db: Db, tahap: string, kpmId: string): Promise<PositionView | undefined> {
  for (const category of kpmCategories) {
    const view = await getJson<PositionView>(db, k.kpmCategory(tahap, category, kpmId));
    if (view !== undefined) return view;
  }
  return undefined;
}

export async function entitlementSnapshot(
  db: Db,
  matcher: PanMatcher,
  agentId: string,
  tahap: string,
): Promise<EntitlementSnapshot> {
  const agent = await getJson<AgentRecord>(db, k.agent(agentId));
  if (agent === undefined)
    throw new ERR_AGENT_UNKNOWN(`Cannot issue entitlements to ${agentId}: expected an enrolled agent, found none`, {
      agentId,
    });
  const head = (await getJson<ChainHead>(db, k.head(agentId))) ?? genesisHead;
  const entitlements: Entitlement[] = [];
  const prefix = k.agentKpm(agentId, '');
  for await (const key of db.keys(range('akpm', agentId))) {
    if (entitlements.length >= entitlementsPerSetMax) break;
    const kpmId = key.slice(prefix.length);
    const view = await viewOf(db, tahap, kpmId);
    if (view === undefined || view.credited === 0) continue;
    const posKey = k.position(tahap, kpmId);
    const stored = await getJson<unknown>(db, posKey);
    const rows = stored === undefined ? [] : decodePosition(posKey, stored).rows;
    const row = rows.find((r) => r.status === 'credited');
    const panHash = row === undefined ? undefined : matcher.agentPanHash(agent.lookupKey, row);
    if (panHash === undefined) continue;
    entitlements.push({ kpmId, panHash, remaining: Math.max(0, view.credited - view.drawn) });
  }
  return { basedOnSeq: head.seq, lookupKey: agent.lookupKey, limits: agent.limits, entitlements };
}
