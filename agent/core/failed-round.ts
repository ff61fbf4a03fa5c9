/**
 * The durable memory of a failed round whose approvals were answered 96.
 *
 * A round fails (its synced LevelDB batch, read-back or head record write reported failure) after
 * its batch was handed to the disk: the batch may be there in full, in part or not at all, and
 * every request of the round is answered 96. Recovery reverses each approval of that round
 * (compensation.ts), but until that reversal is durable the only knowledge "these 0200s were
 * answered 96" would live in memory: a kill in between would leave an approval in the ledger that
 * its terminal heard as 96 (the KPM got no cash, the ledger counts it as paid). So before any of
 * those 96 answers leaves, the committer writes a head record (head-record.ts, a file of its own
 * beside LevelDB, not the failed handle) naming the committed head, with `failed`: the round's ops
 * and, per approval, the 0200's dedupe record as it must end (its approval's seq and entry id, the
 * 96 its terminal heard). If that write fails too, those approvals are not answered at all: their
 * terminals time out and reverse them with a 0400, which is idempotent (decide-reversal.ts).
 *
 * On every open (load.ts) and recovery attempt, when the newest valid record carries `failed` and
 * the ledger's `meta.compensated` is older than that record, the round's ops are written again in
 * full (only while the ledger ends inside the round: at its base or at one of its entries) and the
 * record's approvals are handed to the compensation round, whose batch stores the record version in
 * `meta.compensated`, so it is done exactly once whatever attempt or restart reaches it first.
 */
import { z } from 'zod';
import { findChainBreak } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { ERR_LEDGER_CORRUPT } from './errors.ts';
import { entriesOf, ledgerHead, opsOf } from './head-batch.ts';
import { readHeadRecord } from './head-check.ts';
import { headBatchBytesMax } from './head-record.ts';
import { groupCommitMaxLimit } from './limits.ts';
import type { DedupeRecord } from './round.ts';
import type { LedgerStorage } from './store.ts';
import type { BatchOp, ChainPoint } from './types.ts';

/** The meta key the compensation batch writes the version of the failed round's record to. */
export const compensatedMetaKey = 'compensated';

/**
 * A 0200 of a failed round whose approval its terminal was answered 96 (or never answered): its
 * dedupe key and the record it must end with (the approval's seq and entry id, the 96 response).
 */
export type Unheard = readonly [key: string, record: DedupeRecord];

/** A failed round read back from the newest head record, not yet compensated. */
export interface RecordedFailure {
  readonly version: number;
  readonly unheard: readonly Unheard[];
}

const UnheardRecord = z.strictObject({
  at: z.number().int().min(0),
  fingerprint: z.string().min(1).max(256),
  response: z.strictObject({
    mti: z.literal('0210'),
    fields: z.record(z.string(), z.unknown()).refine((fields) => fields['39'] === '96', 'not a 96 answer'),
  }),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  entryId: z.string().min(1).max(64),
});

const FailedRoundText = z.strictObject({
  ops: z.array(z.unknown()).nullable(),
  unheard: z
    .array(z.tuple([z.string().min(1).max(256), UnheardRecord]))
    .min(1)
    .max(groupCommitMaxLimit),
});

/**
 * The text a failed round's record carries: its ops (JSON text, when it fits beside the rest) and
 * its unheard approvals; undefined when even the approvals alone exceed headBatchBytesMax bytes.
 */
export function failedRoundText(ops: readonly BatchOp[], unheard: readonly Unheard[]): string | undefined {
  const approvals = JSON.stringify(unheard);
  const full = `{"ops":${JSON.stringify(ops)},"unheard":${approvals}}`;
  if (Buffer.byteLength(full) <= headBatchBytesMax) return full;
  const lean = `{"ops":null,"unheard":${approvals}}`;
  return Buffer.byteLength(lean) <= headBatchBytesMax ? lean : undefined;
}

/**
 * Before the ledger is loaded: the newest record's failed round, when it is not compensated yet,
 * with its ops written again when the ledger ends inside it. Undefined when there is none.
 */
export async function restoreFailedRound(
  storage: LedgerStorage,
  context: EngineContext,
): Promise<RecordedFailure | undefined> {
  const picked = await readHeadRecord(storage, context.db.dir);
  if (picked.kind !== 'ok' || picked.failed === undefined) return undefined;
  const { record } = picked;
  const done = await context.db.sub.meta.get(compensatedMetaKey);
  if (typeof done === 'number' && done >= record.version) return undefined;
  const { ops, unheard } = parseFailed(picked.failed, record.version);
  if (ops !== undefined) await rewriteRound(context, record.head, ops, record.version);
  return { version: record.version, unheard };
}

function parseFailed(text: string, version: number): { ops: BatchOp[] | undefined; unheard: Unheard[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = FailedRoundText.safeParse(json);
  const ops = parsed.success && parsed.data.ops !== null ? opsOf(parsed.data.ops) : undefined;
  if (!parsed.success || (parsed.data.ops !== null && ops === undefined)) {
    // The text matched its checksum: it is what the agent wrote, so a bad one is damage, not a torn write.
    throw new ERR_LEDGER_CORRUPT(
      `The failed round carried by head record version ${version} does not read: ` +
        (parsed.success ? 'its ops are malformed' : (parsed.error.issues[0]?.message ?? 'invalid')),
      { version },
    );
  }
  return { ops, unheard: parsed.data.unheard };
}

/**
 * The failed round's ops, written again when the ledger ends at the round's base or at one of its
 * entries (the batch reached the disk in full, in part or not at all): one known state. Anywhere
 * else nothing is written and the usual checks judge the ledger (head-check.ts).
 */
async function rewriteRound(
  context: EngineContext,
  from: ChainPoint,
  ops: readonly BatchOp[],
  version: number,
): Promise<void> {
  const entries = entriesOf(ops);
  if (entries === undefined || findChainBreak(entries, from, context.publicKey) !== undefined) {
    throw new ERR_LEDGER_CORRUPT(
      `The failed round carried by head record version ${version} does not continue the chain from seq ${from.seq}`,
      { version, fromSeq: from.seq },
    );
  }
  const head = await ledgerHead(context);
  const at = head.seq - from.seq;
  const inside =
    at === 0 ? head.hash === from.hash : at > 0 && at <= entries.length && entries[at - 1]!.hash === head.hash;
  if (!inside) return;
  await context.db.write(ops);
  context.logger.warn(
    { version, fromSeq: from.seq, ledgerSeq: head.seq, entries: entries.length },
    'failed round written again from its head record before its approvals are reversed',
  );
}
