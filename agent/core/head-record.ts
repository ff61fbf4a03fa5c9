/**
 * The head record: the ledger's independent memory of itself, in a small file beside the
 * LevelDB files (edc-head.bin, which LevelDB leaves alone), written after every batch that moves
 * the chain, the acknowledged cursor or the time the agent trusts, and before any answer of
 * that batch leaves. LevelDB can lose its newest writes without reporting it (a truncated or
 * damaged log is silently cut at the damage when the database is opened); then the ledger alone
 * would look whole with fewer entries, and the next approvals would reuse sequence numbers
 * already paid out. With the record, a ledger behind its own record, or behind the last receipt
 * the gateway signed for it, is a rollback and refuses to authorize (EDC_ERR_LEDGER_ROLLBACK).
 *
 * File layout: two slots of headRecordSlotBytes each, the record written alternately to slot
 * version % 2 in place with O_DSYNC (head-file.ts). Each slot holds one JSON record whose `sum` is the
 * SHA-256 hex of the canonical JSON (protocol Canonical bytes) of its other members, padded with
 * zero bytes. A read takes the valid slot with the highest version: a write torn by a power cut
 * spoils only the slot being written, and the other still holds the previous record, which is
 * never ahead of the ledger. This costs one data sync per round; a temp file, rename and folder
 * fsync (the usual atomic replace) costs three journal commits on ext4 and tripled the latency
 * of an approval on the test machine (about 7 ms -> 20-26 ms per round).
 */
import { z } from 'zod';
import { canonicalJson } from '../../protocol/crypto/canonical.ts';
import { AgentId, EpochMs, Hex64, SignedReceipt, sha256Hex } from '../../protocol/messages/index.ts';

export const headRecordSlotBytes = 4096;
/** The two header slots; each slot's batch region follows them (headBatchOffset). */
export const headRecordHeaderBytes = 2 * headRecordSlotBytes;
/**
 * Largest round batch (its ops as JSON text) a record carries, bytes. A bigger round (hundreds of
 * approvals) is written the old way: the LevelDB batch first, then a record without a batch.
 */
export const headBatchBytesMax = 2 * 1024 * 1024;

/** Where slot `slot`'s batch region starts in the file. */
export function headBatchOffset(slot: 0 | 1): number {
  return headRecordHeaderBytes + slot * headBatchBytesMax;
}

const Point = z.strictObject({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), hash: Hex64 });

export const HeadRecord = z.strictObject({
  v: z.literal(1),
  /** Counts writes; the slot is version % 2 and the newest valid version wins. */
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  agentId: AgentId,
  /** The chain's head after the last batch whose answers may have been sent. */
  head: Point,
  /** The highest time the agent trusts (trusted-clock.ts), ms since the epoch. */
  timeHigh: EpochMs,
  /** The newest gateway-signed time seen (receipt receivedAt, set issuedAt). */
  gatewayTimeHigh: EpochMs,
  /** The last verified gateway receipt: the gateway holds every entry up to its ackSeq. */
  receipt: SignedReceipt.nullable(),
  /**
   * The round this record was written beside (agent/README.md, "One durable wait per round"): the
   * ledger head before it, and the size and SHA-256 hex of its ops (JSON text) stored in the
   * slot's batch region. Written in parallel with the round's LevelDB batch, so a crash can leave
   * the record durable and the batch not: on open that batch is written again from here.
   */
  batch: z
    .strictObject({
      from: Point,
      bytes: z.number().int().min(2).max(headBatchBytesMax),
      sum: Hex64,
      /** The ops text itself, when the record with it fits its slot (one write instead of two). */
      ops: z.string().max(headRecordSlotBytes).optional(),
    })
    .optional(),
  /**
   * A failed round whose approvals their terminals were told 96 (failed-round.ts): written before
   * any of those 96 answers leaves, with the record's head the committed head the round was built
   * on. The size and SHA-256 hex of its text (JSON: the round's ops and the 96 answers), stored in
   * the slot's batch region, or in `text` when the record with it fits its slot. Never beside `batch`.
   */
  failed: z
    .strictObject({
      bytes: z.number().int().min(2).max(headBatchBytesMax),
      sum: Hex64,
      text: z.string().max(headRecordSlotBytes).optional(),
    })
    .optional(),
});
export type HeadRecord = z.infer<typeof HeadRecord>;

const HeadRecordSlot = HeadRecord.extend({ sum: Hex64 });

export function encodeHeadRecord(record: HeadRecord): string {
  const text = encodeHeadRecordWithin(record);
  // Assertion before the write: a record that does not fit its slot would overwrite the other.
  if (text === undefined)
    throw new Error(`Cannot encode head record: it does not fit its ${headRecordSlotBytes}-byte slot`);
  return text;
}

/** The record's slot text, or undefined when it does not fit a slot. */
export function encodeHeadRecordWithin(record: HeadRecord): string | undefined {
  const inline = record.batch?.ops ?? record.failed?.text;
  if (inline !== undefined && Buffer.byteLength(inline) > headRecordSlotBytes) return undefined;
  const body = HeadRecord.parse(record);
  const text = JSON.stringify({ ...body, sum: sha256Hex(canonicalJson(body)) });
  return Buffer.byteLength(text) > headRecordSlotBytes ? undefined : text;
}

export type PickedHeadRecord =
  | { readonly kind: 'none' }
  /**
   * `batch`: the round's ops (JSON text) when the record carries a batch; `failed`: the failed
   * round's text when it carries one; each checked against its sum.
   */
  | {
      readonly kind: 'ok';
      readonly record: HeadRecord;
      readonly batch: string | undefined;
      readonly failed?: string | undefined;
    }
  | { readonly kind: 'damaged'; readonly reason: string };

/** One slot's text (up to its zero padding) as a record, or why it is not one. */
export function decodeHeadRecordSlot(text: string): { ok: true; record: HeadRecord } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'a slot is not JSON (torn or overwritten)' };
  }
  const parsed = HeadRecordSlot.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `a slot fails its schema at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}` };
  }
  const { sum, ...record } = parsed.data;
  if (sha256Hex(canonicalJson(record)) !== sum) return { ok: false, reason: 'a slot checksum does not match' };
  return { ok: true, record };
}
