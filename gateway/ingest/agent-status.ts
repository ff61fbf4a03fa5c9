/**
 * An upload's optional `agentStatus` (protocol/README.md "Upload batch"): the agent's ledger head
 * and what it still holds after the batch. Checked against the batch before anything is stored,
 * so a report that contradicts the signed entries it came with is refused whole
 * (EDC_ERR_UPLOAD_STATUS_INVALID) instead of showing staff a queue that cannot be.
 */
import type { UploadBatch } from '../../protocol/messages/schemas.ts';
import { ERR_UPLOAD_STATUS_INVALID } from '../errors.ts';
import type { ReportedAgentStatus } from '../store/types.ts';

type Reason = 'head_behind' | 'head_hash' | 'queued' | 'oldest_without_queue';

function refuse(reason: Reason, expected: string, found: string): never {
  throw new ERR_UPLOAD_STATUS_INVALID(
    `Cannot accept upload: agentStatus ${reason}: expected ${expected}, found ${found}`,
    {
      reason,
    },
  );
}

/** The report as staff see it, received at `now`; undefined when the batch carries none. */
export function checkAgentStatus(batch: UploadBatch, now: number): ReportedAgentStatus | undefined {
  const status = batch.agentStatus;
  if (status === undefined) return undefined;
  const last = batch.entries[batch.entries.length - 1]!;
  const { head, queued, oldestQueuedAt } = status;
  if (head.seq < last.seq) refuse('head_behind', `head.seq >= ${last.seq} (the last entry)`, String(head.seq));
  if (head.seq === last.seq && head.hash !== last.hash)
    refuse('head_hash', `the hash of entry ${last.seq} ${last.hash.slice(0, 12)}..`, `${head.hash.slice(0, 12)}..`);
  if (queued !== head.seq - last.seq) refuse('queued', `${head.seq - last.seq} (head.seq - last seq)`, String(queued));
  if (oldestQueuedAt !== undefined && queued === 0)
    refuse('oldest_without_queue', 'no oldestQueuedAt when nothing is queued', String(oldestQueuedAt));
  return {
    at: now,
    headSeq: head.seq,
    headHash: head.hash,
    queued,
    ...(oldestQueuedAt === undefined ? {} : { oldestQueuedAt }),
  };
}
