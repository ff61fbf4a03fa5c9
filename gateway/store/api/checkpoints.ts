/** Signed checkpoints received over SMS (protocol/README.md "Signed checkpoint over SMS"). */

/** A checkpoint whose signature the gateway verified with the agent's enrolled key. */
export interface CheckpointRecord {
  readonly agentId: string;
  readonly seq: number;
  /** EpochMs of the agent's clock when it signed. */
  readonly at: number;
  readonly withdrawn: number;
  readonly reversed: number;
  /** Lower-case hex: the hash the agent's entry at seq has. */
  readonly headHash: string;
  /** The Ed25519 signature, 64 bytes as lower-case hex (the 140 octets can be rebuilt from the record). */
  readonly sig: string;
  readonly receivedAt: number;
  readonly source: 'modem' | 'webhook';
  /** The sender's phone number as the SMS network gave it. */
  readonly sender: string;
}

export type CheckpointPut =
  | { readonly kind: 'stored' }
  | { readonly kind: 'duplicate' }
  /** The agent signed another head hash at this seq before: the first is kept and returned. */
  | { readonly kind: 'conflict'; readonly held: CheckpointRecord };

export interface CheckpointStore {
  /**
   * Stores a verified checkpoint, at most one per (agent, seq): the same head hash again is
   * 'duplicate' (SMS networks deliver twice), another head hash is 'conflict' (nothing written).
   * An agent not enrolled is refused with EDC_ERR_AGENT_UNKNOWN.
   */
  putCheckpoint(record: CheckpointRecord): Promise<CheckpointPut>;
  /** The checkpoint held at exactly that seq. */
  checkpointAt(agentId: string, seq: number): Promise<CheckpointRecord | undefined>;
  /** The checkpoint with the highest seq. */
  lastCheckpoint(agentId: string): Promise<CheckpointRecord | undefined>;
  /** Checkpoints with seq >= fromSeq in ascending seq, at most limit (1..1000). */
  checkpointsFrom(agentId: string, fromSeq: number, limit: number): Promise<CheckpointRecord[]>;
}
