/**
 * A KPM's raw facts in one tahap, as a store keeps them: its disbursement rows (with the sealed
 * PAN that matching a withdrawal's card needs), withdrawals (with the panHash the entry carried)
 * and reversals. `resolveFacts` turns them into classify's PositionFacts once the caller has
 * decided, per withdrawal, whether its panHash names a credited card of the KPM (panOk): that
 * needs the agent's look-up key and opening sealed PANs, which the caller owns. Building facts
 * from a ledger entry is here too, so that the continuous path and every recompute build them
 * the same way.
 */
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { ERR_POSITION_FULL } from '../errors.ts';
import type { PositionFacts, ReversalFact, RowFact, WithdrawalFact } from './classify.ts';

export type RawRow = RowFact & {
  readonly line: number;
  readonly panSealed: string;
  readonly panHmac: string;
  readonly fileSha256: string;
};

export type RawWithdrawal = Omit<WithdrawalFact, 'panOk'> & { readonly panHash: string };

export interface RawFacts {
  readonly tahap: string;
  readonly kpmId: string;
  rows: RawRow[];
  withdrawals: RawWithdrawal[];
  reversals: ReversalFact[];
}

/** The entitlement set a withdrawal names, as recorded when it was issued. */
export interface EntitlementSetInfo {
  readonly agentId: string;
  readonly expiresAt: number;
}

/** Most facts (rows + withdrawals + reversals) one KPM may hold in one tahap. */
export const positionFactsMax = 10_000;

export function emptyFacts(tahap: string, kpmId: string): RawFacts {
  return { tahap, kpmId, rows: [], withdrawals: [], reversals: [] };
}

export function factCount(facts: RawFacts): number {
  return facts.rows.length + facts.withdrawals.length + facts.reversals.length;
}

/** Refuses a fact beyond positionFactsMax (EDC_ERR_POSITION_FULL). */
export function checkRoom(facts: RawFacts): void {
  const count = factCount(facts);
  if (count >= positionFactsMax) {
    throw new ERR_POSITION_FULL(
      `Cannot add to KPM ${facts.kpmId} in ${facts.tahap}: ` +
        `expected fewer than ${positionFactsMax} facts, found ${count}`,
      { kpmId: facts.kpmId, tahap: facts.tahap },
    );
  }
}

export interface EntryContext {
  readonly receivedAt: number;
  /** Kept as evidence (fork or tampered), never accepted into the chain. */
  readonly fault: boolean;
  /** The set the withdrawal names, undefined when the gateway never issued it. */
  readonly set: EntitlementSetInfo | undefined;
  /** The entry's agent; undefined when it is not enrolled (its place is then UNKNOWN). */
  readonly agent: { readonly bank: string; readonly regionCode: string } | undefined;
}

/** Adds one ledger entry (accepted or evidence) to its KPM's facts. */
export function addEntryFact(facts: RawFacts, entry: LedgerEntry, ctx: EntryContext): void {
  if (entry.kind === 'reversal') {
    facts.reversals.push({
      agentId: entry.agentId,
      seq: entry.seq,
      reverses: entry.reverses,
      reversesSeq: entry.reversesSeq,
      amount: entry.amount,
      fault: ctx.fault,
    });
    return;
  }
  facts.withdrawals.push({
    agentId: entry.agentId,
    seq: entry.seq,
    id: entry.id,
    hash: entry.hash,
    amount: entry.amount,
    dupKey: `${entry.terminalId}|${entry.stan}|${entry.localDate}`,
    receivedAt: ctx.receivedAt,
    at: entry.at,
    setExpiresAt: ctx.set !== undefined && ctx.set.agentId === entry.agentId ? ctx.set.expiresAt : undefined,
    panHash: entry.panHash,
    fault: ctx.fault,
    agentBank: ctx.agent?.bank ?? 'UNKNOWN',
    agentRegion: ctx.agent?.regionCode ?? 'UNKNOWN',
  });
}

/** classify's input, with panOk decided by the caller for each withdrawal. */
export function resolveFacts(raw: RawFacts, panOk: (w: RawWithdrawal) => boolean): PositionFacts {
  return {
    tahap: raw.tahap,
    kpmId: raw.kpmId,
    rows: raw.rows,
    withdrawals: raw.withdrawals.map((w) => {
      const { panHash: _panHash, ...fact } = w;
      return { ...fact, panOk: panOk(w) };
    }),
    reversals: raw.reversals,
  };
}
