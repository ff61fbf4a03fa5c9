/**
 * verifyLedger: re-checks everything the ledger claims, from disk, without trusting memory:
 * each entry's schema, seq, link, hash and signature; the id, dedupe and reversal indexes; the
 * head and ack meta; the installed set's signature; and the entitlement arithmetic (each KPM's
 * remaining and the cash float equal the set's figures minus net withdrawals after basedOnSeq).
 */
import {
  genesisHash,
  LedgerEntry,
  SignedEntitlementSet,
  verifyEntitlementSet,
  verifyEntry,
} from '../../protocol/messages/index.ts';
import { addToNet, expectedFloat, expectedRemaining, type NetSince } from './arithmetic.ts';
import type { EngineContext } from './context.ts';
import { verifyProblemsMax } from './limits.ts';
import type { DedupeRecord } from './round.ts';
import { dedupeKey } from './store.ts';
import type { ChainPoint, LedgerVerification } from './types.ts';

interface Walk {
  head: ChainPoint;
  entries: number;
  readonly problems: string[];
  readonly withdrawals: Map<string, { seq: number; amount: number; kpmId: string }>;
  readonly reversed: Set<string>;
  readonly net: NetSince;
}

function problem(walk: Walk, text: string): void {
  if (walk.problems.length < verifyProblemsMax) walk.problems.push(text);
}

export async function verifyLedger(context: EngineContext): Promise<LedgerVerification> {
  const set = await readSet(context);
  const basedOnSeq = set !== null && set !== 'invalid' ? set.basedOnSeq : Number.MAX_SAFE_INTEGER;
  const walk: Walk = {
    head: { seq: 0, hash: genesisHash },
    entries: 0,
    problems: [],
    withdrawals: new Map(),
    reversed: new Set(),
    net: { byKpm: new Map(), total: 0 },
  };
  if (set === 'invalid') problem(walk, 'installed entitlement set does not verify with the gateway key');
  for await (const [key, value] of context.db.sub.entries.iterator()) {
    const parsed = LedgerEntry.safeParse(value);
    if (!parsed.success) {
      problem(walk, `entry at key ${key as string} does not match the LedgerEntry schema`);
      walk.head = { seq: walk.head.seq + 1, hash: '' };
      continue;
    }
    await checkEntry(context, walk, parsed.data);
    if (set !== null && set !== 'invalid' && parsed.data.seq > basedOnSeq) addToNet(walk.net, parsed.data);
  }
  await checkMeta(context, walk);
  if (set !== null && set !== 'invalid') await checkArithmetic(context, walk, set);
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
  const check = verifyEntry(entry, context.publicKey);
  if (!check.ok) problem(walk, `${at}: ${check.reason} does not verify`);
  if (entry.agentId !== context.agentId) problem(walk, `${at}: agentId ${entry.agentId} is not this agent`);
  if ((await context.db.sub.ids.get(entry.id)) !== entry.seq) problem(walk, `${at}: id index does not point at it`);
  walk.head = { seq: entry.seq, hash: entry.hash };
  walk.entries += 1;
  if (entry.kind === 'withdrawal') {
    walk.withdrawals.set(entry.id, { seq: entry.seq, amount: entry.amount, kpmId: entry.kpmId });
    const record = (await context.db.sub.dedupe.get(
      dedupeKey('0200', entry.terminalId, entry.stan, entry.localDate),
    )) as DedupeRecord | undefined;
    // A record written later (the key reused after the dedupe window) may supersede this one.
    if (record === undefined || (record.seq !== entry.seq && record.at <= entry.at))
      problem(walk, `${at}: dedupe index does not hold its response`);
    return;
  }
  const original = walk.withdrawals.get(entry.reverses);
  if (original === undefined || original.seq !== entry.reversesSeq)
    problem(walk, `${at}: reverses ${entry.reverses}, not an earlier withdrawal`);
  else if (original.amount !== entry.amount || original.kpmId !== entry.kpmId)
    problem(walk, `${at}: amount or KPM differs from the withdrawal it reverses`);
  if (walk.reversed.has(entry.reverses)) problem(walk, `${at}: withdrawal ${entry.reverses} reversed twice`);
  walk.reversed.add(entry.reverses);
  if ((await context.db.sub.reversals.get(entry.reverses)) !== entry.seq)
    problem(walk, `${at}: reversal index does not point at it`);
}

async function checkMeta(context: EngineContext, walk: Walk): Promise<void> {
  const head = ((await context.db.sub.meta.get('head')) as ChainPoint | undefined) ?? { seq: 0, hash: genesisHash };
  if (head.seq !== walk.head.seq || head.hash !== walk.head.hash)
    problem(walk, `head meta (seq ${head.seq}) differs from the last entry (seq ${walk.head.seq})`);
  const ack = ((await context.db.sub.meta.get('ack')) as ChainPoint | undefined) ?? { seq: 0, hash: genesisHash };
  if (ack.seq > walk.head.seq) problem(walk, `ack cursor seq ${ack.seq} lies beyond the head seq ${walk.head.seq}`);
  else if (ack.seq > 0) {
    const entry = (await context.db.sub.entries.get(String(ack.seq).padStart(16, '0'))) as
      { hash?: string } | undefined;
    if (entry?.hash !== ack.hash) problem(walk, `ack cursor hash differs from entry ${ack.seq}`);
  }
}

async function checkArithmetic(context: EngineContext, walk: Walk, set: SignedEntitlementSet): Promise<void> {
  const expected = expectedRemaining(set, walk.net);
  for (const [kpmId, value] of expected) {
    const stored = await context.db.sub.kpm.get(kpmId);
    if (stored !== value)
      problem(walk, `KPM ${kpmId}: remaining ${String(stored)} stored, ${value} expected from the set and the entries`);
  }
  for await (const kpmId of context.db.sub.kpm.keys()) {
    if (!expected.has(kpmId as string))
      problem(walk, `KPM ${kpmId as string}: remaining stored but not in the installed set`);
  }
  const float = await context.db.sub.meta.get('float');
  const floatExpected = expectedFloat(set, walk.net);
  if (float !== floatExpected) problem(walk, `cash float ${String(float)} stored, ${floatExpected} expected`);
}
