/**
 * SMS checkpoints (protocol/sms), one record per (agent, seq): the record module both stores run,
 * LevelDB natively and PostgreSQL over its tables (store/pg/kv.ts).
 */
import { ERR_AGENT_UNKNOWN } from '../../errors.ts';
import type { AgentRecord, CheckpointPut, CheckpointRecord } from '../types.ts';
import { getJson, parseJson, type Db, type Tx } from './db.ts';
import { k, range } from './keys.ts';

/** Checkpoints one read returns at most. */
export const checkpointsPerReadMax = 1000;

/** Stores a verified checkpoint once; the same head again is a duplicate, another head a conflict (the first kept). */
export async function putCheckpointIntoTx(tx: Tx, record: CheckpointRecord): Promise<CheckpointPut> {
  if ((await tx.get<AgentRecord>(k.agent(record.agentId))) === undefined)
    throw new ERR_AGENT_UNKNOWN(`Cannot store checkpoint of ${record.agentId}: expected an enrolled agent, found none`);
  const held = await tx.get<CheckpointRecord>(k.checkpoint(record.agentId, record.seq));
  if (held !== undefined) return held.headHash === record.headHash ? { kind: 'duplicate' } : { kind: 'conflict', held };
  tx.put(k.checkpoint(record.agentId, record.seq), record);
  return { kind: 'stored' };
}

export function checkpointAt(db: Db, agentId: string, seq: number): Promise<CheckpointRecord | undefined> {
  return getJson<CheckpointRecord>(db, k.checkpoint(agentId, seq));
}

export async function lastCheckpoint(db: Db, agentId: string): Promise<CheckpointRecord | undefined> {
  for await (const [key, value] of db.iterator({ ...range('ckpt', agentId), reverse: true, limit: 1 }))
    return parseJson<CheckpointRecord>(key, value);
  return undefined;
}

/** Checkpoints at seq >= fromSeq in ascending order, at most `limit` (clamped to 1..checkpointsPerReadMax). */
export async function checkpointsFrom(
  db: Db,
  agentId: string,
  fromSeq: number,
  limit: number,
): Promise<CheckpointRecord[]> {
  const out: CheckpointRecord[] = [];
  const bounded = Math.max(1, Math.min(checkpointsPerReadMax, Math.trunc(limit)));
  const lt = range('ckpt', agentId).lt;
  for await (const [key, value] of db.iterator({ gte: k.checkpoint(agentId, fromSeq), lt, limit: bounded }))
    out.push(parseJson<CheckpointRecord>(key, value));
  return out;
}
