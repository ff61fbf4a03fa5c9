/**
 * Compares the ledger with its head record (head-record.ts) and the last gateway receipt kept
 * there. The ledger may be ahead of the record (a crash between the batch and the record: those
 * entries were never answered), never behind it: a ledger behind its record, or behind a seq
 * the gateway acknowledged, lost entries it once had, and its next approvals would reuse their
 * sequence numbers (EDC_ERR_LEDGER_ROLLBACK). A record that names another entry at its seq,
 * or that is itself damaged, means the files were replaced or rewritten (EDC_ERR_LEDGER_CORRUPT).
 */
import { sha256Hex, verifyReceipt, type SignedReceipt } from '../../protocol/messages/index.ts';
import type { EdcError } from '../../protocol/errors.ts';
import type { EngineContext } from './context.ts';
import { ERR_LEDGER_CORRUPT, ERR_LEDGER_ROLLBACK } from './errors.ts';
import { decodeHeadRecordSlot, type HeadRecord, type PickedHeadRecord } from './head-record.ts';
import type { CoreState } from './state.ts';
import { seqKey, type LedgerStorage } from './store.ts';

export interface HeadCheck {
  readonly record: HeadRecord | undefined;
  readonly problem: EdcError | undefined;
}

/** `state.head` is the ledger's actual head (its last entry). */
export async function checkHeadRecord(
  storage: LedgerStorage,
  context: EngineContext,
  state: Pick<CoreState, 'head'>,
): Promise<HeadCheck> {
  const dir = context.db.dir;
  const picked = await readHeadRecord(storage, dir);
  if (picked.kind === 'none') {
    if (state.head.seq === 0) return { record: undefined, problem: undefined };
    const problem = new ERR_LEDGER_ROLLBACK(
      `The ledger at ${dir} holds ${state.head.seq} entries but its head record is missing: ` +
        'it cannot show that no newer entries were lost (restored from an older copy?)',
      { dir, headSeq: state.head.seq },
    );
    return { record: undefined, problem };
  }
  if (picked.kind === 'damaged') {
    const problem = new ERR_LEDGER_CORRUPT(`The head record of the ledger at ${dir} is damaged: ${picked.reason}`, {
      dir,
    });
    return { record: undefined, problem };
  }
  const record = picked.record;
  if (record.agentId !== context.agentId) {
    const problem = new ERR_LEDGER_CORRUPT(
      `The head record at ${dir} belongs to agent ${record.agentId}, this agent is ${context.agentId}`,
      { dir },
    );
    return { record: undefined, problem };
  }
  const problem =
    (await behind(context, state, record.head.seq, record.head.hash, 'its head record')) ??
    (record.receipt === null ? undefined : await behindReceipt(context, state, record.receipt));
  return { record, problem };
}

async function behind(
  context: EngineContext,
  state: Pick<CoreState, 'head'>,
  seq: number,
  hash: string,
  what: string,
): Promise<EdcError | undefined> {
  if (seq > state.head.seq) {
    return new ERR_LEDGER_ROLLBACK(
      `The ledger lost entries it once had: ${what} names seq ${seq}, the ledger ends at seq ${state.head.seq} ` +
        `(entries ${state.head.seq + 1}..${seq} are gone; their sequence numbers must not be reused)`,
      { recordSeq: seq, headSeq: state.head.seq },
    );
  }
  if (seq === 0) return undefined;
  const entry = (await context.db.sub.entries.get(seqKey(seq))) as { hash?: unknown } | undefined;
  if (entry?.hash === hash) return undefined;
  return new ERR_LEDGER_CORRUPT(
    `The ledger's entry ${seq} is not the one ${what} names (hash ${hash.slice(0, 12)}..): ` +
      'the ledger was replaced or rewritten',
    { seq },
  );
}

async function behindReceipt(
  context: EngineContext,
  state: Pick<CoreState, 'head'>,
  receipt: SignedReceipt,
): Promise<EdcError | undefined> {
  if (!verifyReceipt(receipt, context.gatewayPublicKey)) {
    return new ERR_LEDGER_CORRUPT('The receipt kept in the head record does not verify with the gateway key', {});
  }
  return behind(context, state, receipt.ackSeq, receipt.ackHash, 'the last gateway receipt');
}

/**
 * The newest valid record of the two slots. A slot whose record names a batch (or a failed round,
 * failed-round.ts) that is not in its batch region (sum or size differs: the header reached the
 * disk and the batch did not) is torn,
 * like a slot whose own checksum fails: the other slot counts.
 */
export async function readHeadRecord(storage: LedgerStorage, dir: string): Promise<PickedHeadRecord> {
  const slots = await storage.readHeadRecordSlots(dir);
  if (slots.every((slot) => slot.length === 0)) return { kind: 'none' };
  const reasons: string[] = [];
  const valid: Array<{ slot: 0 | 1; record: HeadRecord }> = [];
  for (const [slot, text] of slots.entries()) {
    if (text.length === 0) continue;
    const decoded = decodeHeadRecordSlot(text);
    if (decoded.ok) valid.push({ slot: slot === 0 ? 0 : 1, record: decoded.record });
    else reasons.push(decoded.reason);
  }
  valid.sort((a, b) => b.record.version - a.record.version);
  for (const { slot, record } of valid) {
    const carried = record.batch ?? record.failed;
    if (carried === undefined) return { kind: 'ok', record, batch: undefined };
    const inline = record.batch === undefined ? record.failed?.text : record.batch.ops;
    const text = inline ?? (await storage.readHeadRecordBatch(dir, slot, carried.bytes));
    if (Buffer.byteLength(text) === carried.bytes && sha256Hex(text) === carried.sum) {
      if (record.batch !== undefined) return { kind: 'ok', record, batch: text };
      return { kind: 'ok', record, batch: undefined, failed: text };
    }
    reasons.push(`the batch of record version ${record.version} does not match its sum (torn)`);
  }
  return { kind: 'damaged', reason: reasons.join('; ') };
}
