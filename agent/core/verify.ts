/**
 * verifyLedger: re-checks everything the ledger claims, from disk, without trusting memory:
 * each entry's schema, seq, link, hash and signature; the id, dedupe and reversal indexes; the
 * head and ack meta; the installed set's signature; and the arithmetic (arithmetic.ts): each
 * KPM's remaining equals the set's figure minus net withdrawals after basedOnSeq, and the stored
 * offline exposure equals the one counted from the unacknowledged entries.
 *
 * The check on every open (and after a storage failure) walks every entry for schema, seq, link
 * and hash, which LevelDB's silent damage (a record cut from a damaged log, a flipped byte in a
 * table file read back as other data) cannot pass, but checks signatures and indexes only for
 * the newest entries (options below): signatures cost about ten times a hash, and the tail is
 * where a storage fault lands. `edc-agent ledger verify` checks everything.
 */
import { signingBytes } from '../../protocol/crypto/canonical.ts';
import {
  domains,
  entryBody,
  genesisHash,
  LedgerEntry,
  sha256Hex,
  SignedEntitlementSet,
  verifyEntitlementSet,
  verifyEntry,
} from '../../protocol/messages/index.ts';
import { addToNet, expectedRemaining, exposureShare, type NetSince } from './arithmetic.ts';
import type { EngineContext } from './context.ts';
import { verifyProblemsMax } from './limits.ts';
import type { DedupeRecord } from './round.ts';
import { dedupeKey, seqKey } from './store.ts';
import type { ChainPoint, LedgerVerification } from './types.ts';

export interface VerifyOptions {
  /** Entries from this seq on get their signature checked; earlier ones their hash only. */
  readonly signaturesFromSeq?: number;
  /** Entries from this seq on get their id, dedupe and reversal indexes checked. */
  readonly indexesFromSeq?: number;
}

interface Walk {
  head: ChainPoint;
  entries: number;
  readonly ackSeq: number;
  readonly basedOnSeq: number;
  readonly options: Required<VerifyOptions>;
  readonly problems: string[];
  readonly withdrawals: Map<string, { seq: number; amount: number; kpmId: string }>;
  readonly reversed: Set<string>;
  readonly net: NetSince;
  exposure: number;
}

function problem(walk: Walk, text: string): void {
  if (walk.problems.length < verifyProblemsMax) walk.problems.push(text);
}

export async function verifyLedger(context: EngineContext, options: VerifyOptions = {}): Promise<LedgerVerification> {
  const set = await readSet(context);
  const ack = ((await context.db.sub.meta.get('ack')) as ChainPoint | undefined) ?? { seq: 0, hash: genesisHash };
  const walk: Walk = {
    head: { seq: 0, hash: genesisHash },
    entries: 0,
    ackSeq: ack.seq,
    basedOnSeq: set !== null && set !== 'invalid' ? set.basedOnSeq : Number.MAX_SAFE_INTEGER,
    options: { signaturesFromSeq: options.signaturesFromSeq ?? 1, indexesFromSeq: options.indexesFromSeq ?? 1 },
    problems: [],
    withdrawals: new Map(),
    reversed: new Set(),
    net: { byKpm: new Map(), total: 0 },
    exposure: 0,
  };
  if (set === 'invalid') problem(walk, 'installed entitlement set does not verify with the gateway key');
  for await (const [key, value] of context.db.sub.entries.iterate()) {
    const parsed = LedgerEntry.safeParse(value);
    if (!parsed.success) {
      problem(walk, `entry at key ${key} does not match the LedgerEntry schema`);
      walk.head = { seq: walk.head.seq + 1, hash: '' };
      continue;
    }
    await checkEntry(context, walk, parsed.data);
  }
  await checkMeta(context, walk, ack);
  if (set !== null && set !== 'invalid') await checkRemaining(context, walk, set);
  const exposure = await context.db.sub.meta.get('exposure');
  if (exposure !== undefined && exposure !== walk.exposure)
    problem(walk, `offline exposure ${JSON.stringify(exposure)} stored, ${walk.exposure} counted from unacknowledged`);
  return { ok: walk.problems.length === 0, entries: walk.entries, head: walk.head, problems: walk.problems };
}

async function readSet(context: EngineContext): Promise<SignedEntitlementSet | null | 'invalid'> {
  const raw = await context.db.sub.sets.get('current');
  if (raw === undefined) return null;
  const parsed = SignedEntitlementSet.safeParse(raw);
  return parsed.success && verifyEntitlementSet(parsed.data, context.gatewayPublicKey) ? parsed.data : 'invalid';
}

async function checkEntry(context: EngineContext, walk: Walk, entry: LedgerEntry): Promise<void> {
  const at = `entry ${entry.seq}`;
  if (entry.seq !== walk.head.seq + 1) problem(walk, `${at}: expected seq ${walk.head.seq + 1}`);
  if (entry.prevHash !== walk.head.hash)
    problem(walk, `${at}: prevHash does not match the hash of entry ${walk.head.seq}`);
  if (entry.seq >= walk.options.signaturesFromSeq) {
    const check = verifyEntry(entry, context.publicKey);
    if (!check.ok) problem(walk, `${at}: ${check.reason} does not verify`);
  } else if (sha256Hex(signingBytes(domains.entry, entryBody(entry))) !== entry.hash) {
    problem(walk, `${at}: hash does not verify`);
  }
  if (entry.agentId !== context.agentId) problem(walk, `${at}: agentId ${entry.agentId} is not this agent`);
  walk.head = { seq: entry.seq, hash: entry.hash };
  walk.entries += 1;
  if (entry.seq > walk.basedOnSeq) addToNet(walk.net, entry);
  if (entry.seq > walk.ackSeq) walk.exposure += exposureShare(entry, walk.ackSeq);
  if (entry.kind === 'withdrawal') {
    walk.withdrawals.set(entry.id, { seq: entry.seq, amount: entry.amount, kpmId: entry.kpmId });
  } else {
    const original = walk.withdrawals.get(entry.reverses);
    if (original === undefined || original.seq !== entry.reversesSeq)
      problem(walk, `${at}: reverses ${entry.reverses}, not an earlier withdrawal`);
    else if (original.amount !== entry.amount || original.kpmId !== entry.kpmId)
      problem(walk, `${at}: amount or KPM differs from the withdrawal it reverses`);
    if (walk.reversed.has(entry.reverses)) problem(walk, `${at}: withdrawal ${entry.reverses} reversed twice`);
    walk.reversed.add(entry.reverses);
  }
  if (entry.seq >= walk.options.indexesFromSeq) await checkIndexes(context, walk, entry);
}

async function checkIndexes(context: EngineContext, walk: Walk, entry: LedgerEntry): Promise<void> {
  const at = `entry ${entry.seq}`;
  if ((await context.db.sub.ids.get(entry.id)) !== entry.seq) problem(walk, `${at}: id index does not point at it`);
  if (entry.kind === 'reversal') {
    if ((await context.db.sub.reversals.get(entry.reverses)) !== entry.seq)
      problem(walk, `${at}: reversal index does not point at it`);
    return;
  }
  const record = (await context.db.sub.dedupe.get(dedupeKey('0200', entry.terminalId, entry.stan, entry.localDate))) as
    DedupeRecord | undefined;
  // A record written later (the key reused after the dedupe window) may supersede this one.
  if (record === undefined || (record.seq !== entry.seq && record.at <= entry.at))
    problem(walk, `${at}: dedupe index does not hold its response`);
}

async function checkMeta(context: EngineContext, walk: Walk, ack: ChainPoint): Promise<void> {
  const head = ((await context.db.sub.meta.get('head')) as ChainPoint | undefined) ?? { seq: 0, hash: genesisHash };
  if (head.seq !== walk.head.seq || head.hash !== walk.head.hash)
    problem(walk, `head meta (seq ${head.seq}) differs from the last entry (seq ${walk.head.seq})`);
  if (ack.seq > walk.head.seq) problem(walk, `ack cursor seq ${ack.seq} lies beyond the head seq ${walk.head.seq}`);
  else if (ack.seq > 0) {
    const entry = (await context.db.sub.entries.get(seqKey(ack.seq))) as { hash?: string } | undefined;
    if (entry?.hash !== ack.hash) problem(walk, `ack cursor hash differs from entry ${ack.seq}`);
  }
}

async function checkRemaining(context: EngineContext, walk: Walk, set: SignedEntitlementSet): Promise<void> {
  const expected = expectedRemaining(set, walk.net);
  const stored = new Map((await context.db.sub.kpm.all()).map(([kpmId, value]) => [kpmId, value]));
  for (const [kpmId, value] of expected) {
    if (stored.get(kpmId) !== value)
      problem(
        walk,
        `KPM ${kpmId}: remaining ${String(stored.get(kpmId))} stored, ${value} expected from the set and the entries`,
      );
  }
  for (const kpmId of stored.keys()) {
    if (!expected.has(kpmId)) problem(walk, `KPM ${kpmId}: remaining stored but not in the installed set`);
  }
}
