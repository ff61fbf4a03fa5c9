/**
 * A KPM's raw facts in one tahap, as a store keeps them: its disbursement rows (with the sealed
 * PAN that matching a withdrawal's card needs), withdrawals, accepted or kept as evidence (with
 * the panHash the entry carried and the entitlement set it names, as issued: setFactOf),
 * reversals, and reconcilers' resolutions of its withdrawals' exceptions (gateway/README.md lists
 * them for every store). `resolveFacts` turns them into classify's PositionFacts once the caller has
 * decided, per withdrawal, whether its panHash names a credited card of the KPM (panOk): that
 * needs the agent's look-up key and opening sealed PANs, which the caller owns. Building facts
 * from a ledger entry is here too, so that the continuous path and every recompute build them
 * the same way.
 */
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { ERR_POSITION_FULL } from '../errors.ts';
import type { PositionFacts, ResolutionFact, ReversalFact, RowFact, SetFact, WithdrawalFact } from './classify.ts';
import type { WithdrawalSource } from './evidence.ts';

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
  /** Sorted by ref (so a position and its recompute hold them in one order). */
  resolutions: ResolutionFact[];
}

/** An entitlement set as the gateway recorded it when it issued it (what a SetFact is built from). */
export interface IssuedSet {
  readonly setId: string;
  readonly agentId: string;
  readonly tahap: string;
  readonly notBefore: number;
  readonly expiresAt: number;
  readonly basedOnSeq: number;
  readonly withdrawalAmountMax: number;
}

/** Most facts (rows + withdrawals + reversals + resolutions) one KPM may hold in one tahap. */
export const positionFactsMax = 10_000;

export function emptyFacts(tahap: string, kpmId: string): RawFacts {
  return { tahap, kpmId, rows: [], withdrawals: [], reversals: [], resolutions: [] };
}

/** A stored position from before resolutions were facts reads as one with none. */
export function normalizeFacts(facts: RawFacts): RawFacts {
  if (facts.resolutions === undefined) facts.resolutions = [];
  return facts;
}

export function factCount(facts: RawFacts): number {
  return facts.rows.length + facts.withdrawals.length + facts.reversals.length + facts.resolutions.length;
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

/**
 * The SetFact of a withdrawal: the set it names counts only if the gateway issued it to the
 * entry's own agent for the entry's tahap; `remaining` is what that set granted the KPM
 * (undefined: the set does not list it).
 */
export function setFactOf(
  entry: { readonly agentId: string; readonly tahap: string },
  set: IssuedSet | undefined,
  remaining: number | undefined,
): SetFact | undefined {
  if (set === undefined || set.agentId !== entry.agentId || set.tahap !== entry.tahap) return undefined;
  return {
    setId: set.setId,
    notBefore: set.notBefore,
    expiresAt: set.expiresAt,
    basedOnSeq: set.basedOnSeq,
    withdrawalAmountMax: set.withdrawalAmountMax,
    remaining,
  };
}

export interface EntryContext {
  readonly receivedAt: number;
  /** chain: accepted; fork, tampered: kept as evidence (recon/evidence.ts). */
  readonly source: WithdrawalSource;
  /** The evidence hash, for evidence. */
  readonly evidenceHash: string | undefined;
  /** The set the withdrawal names, as setFactOf gives it. */
  readonly set: SetFact | undefined;
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
      source: ctx.source,
    });
    return;
  }
  facts.withdrawals.push({
    agentId: entry.agentId,
    seq: entry.seq,
    id: entry.id,
    hash: entry.hash,
    source: ctx.source,
    evidenceHash: ctx.source === 'chain' ? undefined : ctx.evidenceHash,
    amount: entry.amount,
    dupKey: `${entry.terminalId}|${entry.stan}|${entry.localDate}`,
    receivedAt: ctx.receivedAt,
    at: entry.at,
    set: ctx.set,
    panHash: entry.panHash,
    agentBank: ctx.agent?.bank ?? 'UNKNOWN',
    agentRegion: ctx.agent?.regionCode ?? 'UNKNOWN',
  });
}

/** Adds a reconciler's resolution of one withdrawal's exception, keeping the list sorted by ref. */
export function addResolutionFact(facts: RawFacts, resolution: ResolutionFact): void {
  if (facts.resolutions.some((r) => r.ref === resolution.ref)) return;
  facts.resolutions.push(resolution);
  facts.resolutions.sort((x, y) => (x.ref < y.ref ? -1 : x.ref > y.ref ? 1 : 0));
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
    resolutions: raw.resolutions ?? [],
  };
}
