/**
 * Taking a checkpoint SMS (from the gateway's modem or a provider's webhook): decode the 140
 * octets, verify the signature with the agent's enrolled key, store it, and compare it with the
 * chain the gateway holds. A checkpoint whose head hash differs from the held entry at its seq
 * means the agent signed two histories: `chain: 'fork'`, the agent flagged `fork` at that seq
 * (ChainStore.recordFork) and logged loudly by the caller. An upload that disagrees with a held
 * checkpoint is refused as a fork in ingest/upload.ts, its entry kept as fork evidence.
 */
import { decodeCheckpoint, checkpointVerifies, ERR_CHECKPOINT_SIGNATURE } from '../../protocol/sms/index.ts';
import { ERR_AGENT_UNKNOWN } from '../errors.ts';
import type { CheckpointPut, CheckpointRecord, GatewayStore } from '../store/types.ts';

export interface CheckpointOrigin {
  readonly source: CheckpointRecord['source'];
  readonly sender: string;
  readonly receivedAt: number;
}

export interface AcceptedCheckpoint {
  readonly record: CheckpointRecord;
  readonly put: CheckpointPut['kind'];
  /** consistent: the held entry at seq has that hash; ahead: not held yet; fork: another hash is held. */
  readonly chain: 'consistent' | 'ahead' | 'fork';
}

type Store = Pick<GatewayStore, 'getAgent' | 'putCheckpoint' | 'entries' | 'recordFork'>;

export async function acceptCheckpoint(
  store: Store,
  data: Uint8Array,
  origin: CheckpointOrigin,
): Promise<AcceptedCheckpoint> {
  const checkpoint = decodeCheckpoint(data);
  const agent = await store.getAgent(checkpoint.agentId);
  if (agent === undefined) {
    throw new ERR_AGENT_UNKNOWN(`Cannot accept checkpoint: agent ${checkpoint.agentId} is not enrolled`, {
      agentId: checkpoint.agentId,
    });
  }
  if (!checkpointVerifies(checkpoint, agent.publicKey)) {
    throw new ERR_CHECKPOINT_SIGNATURE(
      `Cannot accept checkpoint of ${checkpoint.agentId} seq ${checkpoint.seq}: ` +
        "expected a signature by the agent's enrolled key, found one that does not verify",
      { agentId: checkpoint.agentId, seq: checkpoint.seq },
    );
  }
  const record: CheckpointRecord = { ...checkpoint, ...origin };
  const put = await store.putCheckpoint(record);
  const [held] = await store.entries(checkpoint.agentId, checkpoint.seq, 1);
  const chain = held?.seq !== checkpoint.seq ? 'ahead' : held.hash === checkpoint.headHash ? 'consistent' : 'fork';
  // The agent signed a head the held chain does not have: flagged as a fork at that seq, the
  // checkpoint (held at that seq, or the first one there) as its evidence.
  if (chain === 'fork')
    await store.recordFork(checkpoint.agentId, {
      seq: checkpoint.seq,
      entries: [],
      reason: 'checkpoint',
      receivedAt: origin.receivedAt,
    });
  return { record: put.kind === 'conflict' ? put.held : record, put: put.kind, chain };
}
