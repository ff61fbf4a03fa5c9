/**
 * The core's in-memory state: a cache of what the ledger's meta, kpm, sets and terminals
 * sublevels hold, loaded once at open (and again after a failed write, so memory never runs
 * ahead of disk). Decisions read it; only a committed batch changes it.
 */
import { genesisHash, LedgerEntry, SignedEntitlementSet, verifyEntitlementSet } from '../../protocol/messages/index.ts';
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
  halt: string | null;
  set: SignedEntitlementSet | null;
  /** panHash -> kpmId of the installed set. */
  panIndex: Map<string, string>;
  remaining: Map<string, number>;
  floatLeft: number;
  lastSyncAt: number | null;
  today: DayTotals;
  terminals: Map<string, TerminalTotals>;
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

async function metaGet<T>(db: LedgerDb, key: string): Promise<T | undefined> {
  return (await db.sub.meta.get(key)) as T | undefined;
}

export async function loadState(db: LedgerDb, gatewayPublicKey: string, today: string): Promise<CoreState> {
  const head = (await metaGet<ChainPoint>(db, 'head')) ?? { seq: 0, hash: genesisHash };
  const ack = (await metaGet<ChainPoint>(db, 'ack')) ?? { seq: 0, hash: genesisHash };
  await assertHeadMatchesLastEntry(db, head);
  const set = await loadSet(db, gatewayPublicKey);
  const remaining = new Map<string, number>();
  for await (const [kpmId, value] of db.sub.kpm.iterator()) remaining.set(kpmId as string, value as number);
  const terminals = new Map<string, TerminalTotals>();
  for await (const [terminalId, value] of db.sub.terminals.iterator())
    terminals.set(terminalId as string, value as TerminalTotals);
  const storedDay = await metaGet<DayTotals>(db, 'today');
  return {
    head,
    ack,
    halt: (await metaGet<string | null>(db, 'halt')) ?? null,
    set,
    panIndex: new Map(set?.entitlements.map((e) => [e.panHash, e.kpmId]) ?? []),
    remaining,
    floatLeft: (await metaGet<number>(db, 'float')) ?? 0,
    lastSyncAt: (await metaGet<number | null>(db, 'lastSyncAt')) ?? null,
    today: storedDay?.date === today ? storedDay : emptyDay(today),
    terminals,
  };
}

/** Paired with the write path: head meta and the last entry are written in one batch. */
async function assertHeadMatchesLastEntry(db: LedgerDb, head: ChainPoint): Promise<void> {
  const last = await db.sub.entries.iterator({ reverse: true, limit: 1 }).all();
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
