/**
 * Whether two sets of a KPM's raw facts are exactly equal (the recompute asks it of the stored
 * continuous position and the facts it rebuilt from raw records).
 * Classification is a pure function of the facts (and of the environment, which is the same for
 * both), so equal facts have equal classifications: the recompute classifies the stored
 * position only when its facts differ, instead of classifying every KPM twice and comparing
 * serialised results. Field by field, in the same order; any difference (order included) sends
 * the KPM to the exact comparison of classifications.
 */
import type { ResolutionFact, ReversalFact, SetFact } from './classify.ts';
import type { RawFacts, RawRow, RawWithdrawal } from './facts.ts';

function sameRow(a: RawRow, b: RawRow): boolean {
  return (
    a.bank === b.bank &&
    a.reference === b.reference &&
    a.regionCode === b.regionCode &&
    a.amount === b.amount &&
    a.status === b.status &&
    a.line === b.line &&
    a.panSealed === b.panSealed &&
    a.panHmac === b.panHmac &&
    a.fileSha256 === b.fileSha256
  );
}

function sameSet(a: SetFact | undefined, b: SetFact | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.setId === b.setId &&
    a.notBefore === b.notBefore &&
    a.expiresAt === b.expiresAt &&
    a.basedOnSeq === b.basedOnSeq &&
    a.withdrawalAmountMax === b.withdrawalAmountMax &&
    a.remaining === b.remaining
  );
}

function sameWithdrawal(a: RawWithdrawal, b: RawWithdrawal): boolean {
  return (
    a.agentId === b.agentId &&
    a.seq === b.seq &&
    a.id === b.id &&
    a.hash === b.hash &&
    a.source === b.source &&
    a.evidenceHash === b.evidenceHash &&
    a.amount === b.amount &&
    a.dupKey === b.dupKey &&
    a.receivedAt === b.receivedAt &&
    a.at === b.at &&
    sameSet(a.set, b.set) &&
    a.panHash === b.panHash &&
    a.agentBank === b.agentBank &&
    a.agentRegion === b.agentRegion
  );
}

function sameReversal(a: ReversalFact, b: ReversalFact): boolean {
  return (
    a.agentId === b.agentId &&
    a.seq === b.seq &&
    a.reverses === b.reverses &&
    a.reversesSeq === b.reversesSeq &&
    a.amount === b.amount &&
    a.source === b.source
  );
}

function sameResolution(a: ResolutionFact, b: ResolutionFact): boolean {
  return a.ref === b.ref && a.reason === b.reason;
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

export function sameFacts(a: RawFacts, b: RawFacts): boolean {
  return (
    a.tahap === b.tahap &&
    a.kpmId === b.kpmId &&
    sameList(a.rows, b.rows, sameRow) &&
    sameList(a.withdrawals, b.withdrawals, sameWithdrawal) &&
    sameList(a.reversals, b.reversals, sameReversal) &&
    sameList(a.resolutions, b.resolutions, sameResolution)
  );
}
