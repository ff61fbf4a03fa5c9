/**
 * One group-commit round: the overlay of changes a group of requests makes to the core state,
 * and the batch operations that carry them. Decisions read through the overlay (so the third
 * request of a group sees the first two), and nothing reaches CoreState until the batch holding
 * all of it is on disk (applyRound).
 */
import type { IsoFields, IsoMessage, Mti } from '../../protocol/iso8583/index.ts';
import type { LedgerEntry } from '../../protocol/messages/index.ts';
import { emptyDay, localDay, zeroTotals, type CoreState, type TerminalTotals } from './state.ts';
import { roundMetaKey } from './head-batch.ts';
import { dedupeKey, seqKey, type LedgerDb } from './store.ts';
import type { TxnKey } from './requests.ts';
import type { BatchOp, ChainPoint, DayTotals } from './types.ts';

/** What the dedupe index keeps per (MTI, terminal, STAN, local date): the answer given. */
export interface DedupeRecord {
  readonly at: number;
  /** Keyed hash of the request's content: a retransmission matches, a reused STAN does not. */
  readonly fingerprint: string;
  readonly response?: { readonly mti: Mti; readonly fields: IsoFields };
  /** The entry this request appended (approved withdrawal or reversal). */
  readonly seq?: number;
  readonly entryId?: string;
  /** Set on a 0200 key when its reversal arrived first: a late 0200 is then never approved. */
  readonly reversedBeforeSeen?: true;
}

export interface Round {
  /** The trusted time the round decides and stamps by (trusted-clock.ts). */
  readonly now: number;
  /** The wall clock is behind the trusted time by more than the tolerance: no withdrawals. */
  readonly clockBehind: boolean;
  readonly base: CoreState;
  head: ChainPoint;
  exposure: number;
  today: DayTotals;
  readonly remaining: Map<string, number>;
  readonly terminals: Map<string, TerminalTotals>;
  readonly dedupe: Map<string, DedupeRecord>;
  /** withdrawal entry id -> reversal seq, for reversals made in this round. */
  readonly reversals: Map<string, number>;
  readonly entries: LedgerEntry[];
  readonly ops: BatchOp[];
  /** Keys whose dedupe records were read from disk before deciding. */
  readonly stored: Map<string, DedupeRecord | undefined>;
}

export function openRound(
  base: CoreState,
  time: { readonly at: number; readonly behind: boolean },
  utcOffsetMinutes: number,
): Round {
  const date = localDay(time.at, utcOffsetMinutes);
  return {
    now: time.at,
    clockBehind: time.behind,
    base,
    head: { ...base.head },
    exposure: base.exposure,
    today: base.today.date === date ? structuredClone(base.today) : emptyDay(date),
    remaining: new Map(),
    terminals: new Map(),
    dedupe: new Map(),
    reversals: new Map(),
    entries: [],
    ops: [],
    stored: new Map(),
  };
}

export function keyOf(mti: '0200' | '0400' | '0500', key: TxnKey): string {
  return dedupeKey(mti, key.terminalId, key.stan, key.localDate);
}

export async function readDedupe(round: Round, db: LedgerDb, key: string): Promise<DedupeRecord | undefined> {
  const pending = round.dedupe.get(key);
  if (pending !== undefined) return pending;
  if (!round.stored.has(key)) round.stored.set(key, (await db.sub.dedupe.get(key)) as DedupeRecord | undefined);
  return round.stored.get(key);
}

/** Reads the keys of a whole group at once (one getMany instead of one get per request). */
export async function prefetchDedupe(round: Round, db: LedgerDb, keys: readonly string[]): Promise<void> {
  const missing = [...new Set(keys)].filter((key) => !round.stored.has(key));
  if (missing.length === 0) return;
  const values = await db.sub.dedupe.getMany(missing);
  missing.forEach((key, i) => round.stored.set(key, values[i] as DedupeRecord | undefined));
}

export function remainingOf(round: Round, kpmId: string): number {
  return round.remaining.get(kpmId) ?? round.base.remaining.get(kpmId) ?? 0;
}

export function terminalOf(round: Round, terminalId: string): TerminalTotals {
  let totals = round.terminals.get(terminalId);
  if (totals === undefined) {
    totals = { ...(round.base.terminals.get(terminalId) ?? zeroTotals()) };
    round.terminals.set(terminalId, totals);
  }
  return totals;
}

export function recordDecision(round: Round, key: string, record: DedupeRecord): void {
  round.dedupe.set(key, record);
}

export function appendEntry(round: Round, entry: LedgerEntry): void {
  round.entries.push(entry);
  round.head = { seq: entry.seq, hash: entry.hash };
  round.ops.push({ type: 'put', sublevel: 'entries', key: seqKey(entry.seq), value: entry });
  round.ops.push({ type: 'put', sublevel: 'ids', key: entry.id, value: entry.seq });
}

/**
 * The ops that carry the overlay: dedupe records, kpm, terminals, reversals and meta. With
 * `recordVersion` (a group-commit round), meta.round holds the version of the head record
 * written beside this batch, so an open can tell whether the batch a record carries is in the
 * ledger (head-batch.ts).
 */
export function closeRound(
  round: Round,
  times: { timeHigh: number; gatewayTimeHigh: number },
  recordVersion?: number,
): BatchOp[] {
  const ops = [...round.ops];
  for (const [key, value] of round.dedupe) ops.push({ type: 'put', sublevel: 'dedupe', key, value });
  for (const [id, seq] of round.reversals) ops.push({ type: 'put', sublevel: 'reversals', key: id, value: seq });
  for (const [kpmId, value] of round.remaining) ops.push({ type: 'put', sublevel: 'kpm', key: kpmId, value });
  for (const [terminalId, value] of round.terminals)
    ops.push({ type: 'put', sublevel: 'terminals', key: terminalId, value });
  ops.push({ type: 'put', sublevel: 'meta', key: 'head', value: round.head });
  ops.push({ type: 'put', sublevel: 'meta', key: 'exposure', value: round.exposure });
  ops.push({ type: 'put', sublevel: 'meta', key: 'today', value: round.today });
  ops.push({ type: 'put', sublevel: 'meta', key: 'timeHigh', value: Math.max(times.timeHigh, round.now) });
  ops.push({ type: 'put', sublevel: 'meta', key: 'gatewayTimeHigh', value: times.gatewayTimeHigh });
  if (recordVersion !== undefined) ops.push({ type: 'put', sublevel: 'meta', key: roundMetaKey, value: recordVersion });
  return ops;
}

/** Called only after the round's batch is on disk. */
export function applyRound(state: CoreState, round: Round): void {
  state.head = round.head;
  state.exposure = round.exposure;
  state.timeHigh = Math.max(state.timeHigh, round.now);
  state.today = round.today;
  for (const [kpmId, value] of round.remaining) state.remaining.set(kpmId, value);
  for (const [terminalId, value] of round.terminals) state.terminals.set(terminalId, value);
}

export function storedResponse(response: IsoMessage): DedupeRecord['response'] {
  return { mti: response.mti, fields: response.fields };
}
