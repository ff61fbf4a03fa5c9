/**
 * Completing, on open, a round whose head record reached the disk before its LevelDB batch.
 *
 * A group-commit round writes its synced LevelDB batch and its head record side by side (one
 * durable wait per round instead of two in a row), and answers only once both are durable. The
 * record of such a round carries the round's batch (its ops as JSON text, in the slot's batch
 * region, under the record's checksum) and the ledger head it was built on. A crash between the
 * two writes can leave the record durable and the batch not; no answer of that round has left.
 * Without the batch the ledger would look behind its record (EDC_ERR_LEDGER_ROLLBACK, a false
 * alarm); with it, the batch is written again here, before anything is loaded or decided:
 *
 *   the newest valid record carries a batch, the ledger's `meta.round` (each round's batch
 *   stores its record version there) is older than that record, and the ledger's head is the
 *   batch's `from`: then the batch's entries must continue the chain from `from` (seq, prevHash,
 *   hash and every signature) and end at the record's head; if they do, the batch is written
 *   (synced) in full, exactly as the round would have written it.
 *
 * In every other case nothing is written and the usual checks judge the ledger (head-check.ts):
 * a ledger behind `from` lost entries it once had, which stays a rollback. A round's approvals
 * completed here were never answered: as after a crash between a batch and its answers, the
 * terminal reverses them after its timeout (0400), or they stand as entries nobody heard.
 */
import { findChainBreak, genesisHash, LedgerEntry } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { readHeadRecord } from './head-check.ts';
import { sublevelNames, type LedgerStorage } from './store.ts';
import type { BatchOp, ChainPoint } from './types.ts';

/** The meta key each round's batch writes its head record version to. */
export const roundMetaKey = 'round';

/** Returns the number of entries written again (0 when there was nothing to complete). */
export async function completeRecordedRound(storage: LedgerStorage, context: EngineContext): Promise<number> {
  const picked = await readHeadRecord(storage, context.db.dir);
  if (picked.kind !== 'ok' || picked.batch === undefined) return 0;
  const { record } = picked;
  const recorded = record.batch;
  if (recorded === undefined) return 0;
  const stored = await context.db.sub.meta.get(roundMetaKey);
  if (typeof stored === 'number' && stored >= record.version) return 0;
  const head = await ledgerHead(context);
  const from = recorded.from;
  if (head.seq !== from.seq || head.hash !== from.hash) return 0;
  const ops = parseOps(picked.batch);
  if (ops === undefined) return 0;
  const entries = entriesOf(ops);
  if (entries === undefined || findChainBreak(entries, from, context.publicKey) !== undefined) return 0;
  const last = entries.at(-1);
  const end: ChainPoint = last === undefined ? from : { seq: last.seq, hash: last.hash };
  if (end.seq !== record.head.seq || end.hash !== record.head.hash) return 0;
  await context.db.write(ops);
  context.logger.warn(
    { version: record.version, fromSeq: from.seq, headSeq: end.seq, entries: entries.length },
    'round completed from the head record: its LevelDB batch had not reached the disk (crash between the two writes)',
  );
  return Math.max(1, entries.length);
}

export async function ledgerHead(context: EngineContext): Promise<ChainPoint> {
  const last = await context.db.sub.entries.all({ reverse: true, limit: 1 });
  const entry = last[0]?.[1] as { seq?: unknown; hash?: unknown } | undefined;
  if (entry === undefined) return { seq: 0, hash: genesisHash };
  return { seq: Number(entry.seq), hash: String(entry.hash) };
}

const names = new Set<string>(sublevelNames);

export function parseOps(text: string): BatchOp[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return opsOf(json);
}

/** `json` as a batch's ops when every op is well formed (a known sublevel, a string key), else undefined. */
export function opsOf(json: unknown): BatchOp[] | undefined {
  if (!Array.isArray(json)) return undefined;
  const ops = json as Array<Partial<Record<'type' | 'sublevel' | 'key' | 'value', unknown>>>;
  const wellFormed = ops.every(
    (op) =>
      typeof op === 'object' &&
      op !== null &&
      (op.type === 'put' || op.type === 'del') &&
      typeof op.sublevel === 'string' &&
      names.has(op.sublevel) &&
      typeof op.key === 'string' &&
      (op.type === 'del' || op.value !== undefined),
  );
  return wellFormed ? (json as BatchOp[]) : undefined;
}

/** The batch's new entries in seq order, each checked against the schema, or undefined. */
export function entriesOf(ops: readonly BatchOp[]): LedgerEntry[] | undefined {
  const entries: LedgerEntry[] = [];
  for (const op of ops) {
    if (op.sublevel !== 'entries') continue;
    if (op.type !== 'put') return undefined;
    const parsed = LedgerEntry.safeParse(op.value);
    if (!parsed.success) return undefined;
    entries.push(parsed.data);
  }
  return entries;
}
