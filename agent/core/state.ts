/**
 * The core's in-memory state: a cache of what the ledger's meta, kpm, sets and terminals
 * sublevels hold, loaded at open and again whenever the ledger is reopened after a storage
 * failure, so memory never runs ahead of disk. Decisions read it; only a committed batch
 * changes it.
 */
import {
  genesisHash,
  LedgerEntry,
  SignedEntitlementSet,
  SignedReceipt,
  verifyEntitlementSet,
} from '../../protocol/messages/index.ts';
import { exposureOfTail } from './arithmetic.ts';
import { ERR_LEDGER_CORRUPT } from './errors.ts';
import type { LedgerDb } from './store.ts';
import type { ChainPoint, DayTotals } from './types.ts';

export interface TerminalTotals {
  withdrawalCount: number;
  withdrawalAmount: number;
  reversalCount: number;
  reversalAmount: number;
}

export interface CoreState {
  head: ChainPoint;
  ack: ChainPoint;
  /** The last verified gateway receipt (also kept in the head record). */
  receipt: SignedReceipt | null;
  halt: string | null;
  set: SignedEntitlementSet | null;
  /** panHash -> kpmId of the installed set. */
  panIndex: Map<string, string>;
  remaining: Map<string, number>;
  /** Rupiah approved and not yet acknowledged (arithmetic.ts). */
  exposure: number;
  timeHigh: number;
  gatewayTimeHigh: number;
  lastSyncAt: number | null;
  today: DayTotals;
  terminals: Map<string, TerminalTotals>;
  /** Version of the head record last read or written (head-record.ts). */
  headRecordVersion: number;
}

export const zeroTotals = (): TerminalTotals => ({
  withdrawalCount: 0,
  withdrawalAmount: 0,
  reversalCount: 0,
  reversalAmount: 0,
});

export function emptyDay(date: string): DayTotals {
  return { date, approvedCount: 0, approvedAmount: 0, reversedCount: 0, reversedAmount: 0, declinedByCode: {} };
}

export function emptyState(today: string): CoreState {
  return {
    head: { seq: 0, hash: genesisHash },
    ack: { seq: 0, hash: genesisHash },
    receipt: null,
    halt: null,
    set: null,
    panIndex: new Map(),
    remaining: new Map(),
    exposure: 0,
    timeHigh: 0,
    gatewayTimeHigh: 0,
    lastSyncAt: null,
    today: emptyDay(today),
    terminals: new Map(),
    headRecordVersion: 0,
  };
}

async function metaGet<T>(db: LedgerDb, key: string): Promise<T | undefined> {
  return (await db.sub.meta.get(key)) as T | undefined;
}

export async function loadState(db: LedgerDb, gatewayPublicKey: string, today: string): Promise<CoreState> {
  const head = (await metaGet<ChainPoint>(db, 'head')) ?? { seq: 0, hash: genesisHash };
  const ack = (await metaGet<ChainPoint>(db, 'ack')) ?? { seq: 0, hash: genesisHash };
  const last = await assertHeadMatchesLastEntry(db, head);
  const set = await loadSet(db, gatewayPublicKey);
  const remaining = new Map<string, number>();
  for await (const [kpmId, value] of db.sub.kpm.iterate()) remaining.set(kpmId, value as number);
  const terminals = new Map<string, TerminalTotals>();
  for await (const [terminalId, value] of db.sub.terminals.iterate())
    terminals.set(terminalId, value as TerminalTotals);
  const storedDay = await metaGet<DayTotals>(db, 'today');
  const receipt = SignedReceipt.safeParse(await metaGet(db, 'receipt'));
  // A ledger written before exposure was kept has no 'exposure' meta: count it from the entries.
  const exposure = (await metaGet<number>(db, 'exposure')) ?? (await exposureOfTail(db, ack.seq));
  return {
    head,
    ack,
    receipt: receipt.success ? receipt.data : null,
    halt: (await metaGet<string | null>(db, 'halt')) ?? null,
    set,
    panIndex: new Map(set?.entitlements.map((e) => [e.panHash, e.kpmId]) ?? []),
    remaining,
    exposure,
    timeHigh: Math.max((await metaGet<number>(db, 'timeHigh')) ?? 0, last?.at ?? 0),
    gatewayTimeHigh: (await metaGet<number>(db, 'gatewayTimeHigh')) ?? 0,
    lastSyncAt: (await metaGet<number | null>(db, 'lastSyncAt')) ?? null,
    today: storedDay?.date === today ? storedDay : emptyDay(today),
    terminals,
    headRecordVersion: 0,
  };
}

/** Paired with the write path: head meta and the last entry are written in one batch. */
async function assertHeadMatchesLastEntry(db: LedgerDb, head: ChainPoint): Promise<LedgerEntry | undefined> {
  const last = await db.sub.entries.all({ reverse: true, limit: 1 });
  const lastEntry = last[0] === undefined ? undefined : LedgerEntry.safeParse(last[0][1]);
  const found: ChainPoint =
    lastEntry?.success === true
      ? { seq: lastEntry.data.seq, hash: lastEntry.data.hash }
      : { seq: 0, hash: genesisHash };
  if (last[0] !== undefined && lastEntry?.success !== true) {
    throw new ERR_LEDGER_CORRUPT('Cannot open the ledger: its last entry does not match the LedgerEntry schema', {
      seq: head.seq,
    });
  }
  if (found.seq !== head.seq || found.hash !== head.hash) {
    throw new ERR_LEDGER_CORRUPT(
      `Cannot open the ledger: head meta says seq ${head.seq} hash ${head.hash.slice(0, 12)}.., ` +
        `last entry is seq ${found.seq} hash ${found.hash.slice(0, 12)}..`,
      { headSeq: head.seq, lastSeq: found.seq },
    );
  }
  return lastEntry?.success === true ? lastEntry.data : undefined;
}

async function loadSet(db: LedgerDb, gatewayPublicKey: string): Promise<SignedEntitlementSet | null> {
  const raw = await db.sub.sets.get('current');
  if (raw === undefined) return null;
  const parsed = SignedEntitlementSet.safeParse(raw);
  if (!parsed.success || !verifyEntitlementSet(parsed.data, gatewayPublicKey)) {
    throw new ERR_LEDGER_CORRUPT(
      'Cannot open the ledger: the stored entitlement set no longer verifies with the gateway key',
      {},
    );
  }
  return parsed.data;
}

/** The agent's local calendar date YYYY-MM-DD at `now`, for a fixed UTC offset. */
export function localDay(now: number, utcOffsetMinutes: number): string {
  return new Date(now + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}
