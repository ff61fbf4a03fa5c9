/**
 * The category indexes' records: what staff read per KPM (its position) and per withdrawal,
 * derived from a Classification alone, so every store derives the same views.
 */
import type { SettlementTreatment } from './categories.ts';
import type { Classification, WithdrawalCategory } from './classify.ts';
import type { WithdrawalSource } from './evidence.ts';

/** A KPM's reconciled position: its classification's figures without the per-withdrawal detail. */
export type PositionView = { readonly kpmId: string } & Pick<
  Classification,
  | 'bank'
  | 'regionCode'
  | 'category'
  | 'credited'
  | 'failed'
  | 'returned'
  | 'drawn'
  | 'withdrawn'
  | 'unclaimed'
  | 'overdrawnExcess'
>;

export interface WithdrawalView {
  /** Unique per withdrawal record: {agentId}:{seq}:{hash}, or for evidence {agentId}:{seq}:{kind}:{evidenceHash}. */
  readonly ref: string;
  readonly source: WithdrawalSource;
  readonly agentId: string;
  readonly seq: number;
  /** The entry's hash field (a tampered entry's claims the genuine one's: tell them apart by ref). */
  readonly hash: string;
  readonly kpmId: string;
  readonly amount: number;
  readonly category: WithdrawalCategory;
  /** What the bank owes the agent for it now (moves when a reconciler resolves its exception). */
  readonly settlement: SettlementTreatment;
  readonly bank: string;
  readonly regionCode: string;
}

export function positionView(kpmId: string, c: Classification): PositionView {
  return {
    kpmId,
    bank: c.bank,
    regionCode: c.regionCode,
    category: c.category,
    credited: c.credited,
    failed: c.failed,
    returned: c.returned,
    drawn: c.drawn,
    withdrawn: c.withdrawn,
    unclaimed: c.unclaimed,
    overdrawnExcess: c.overdrawnExcess,
  };
}

export function withdrawalViews(kpmId: string, c: Classification): WithdrawalView[] {
  return c.withdrawals.map((w) => ({
    ref: w.ref,
    source: w.source,
    agentId: w.agentId,
    seq: w.seq,
    hash: w.hash,
    kpmId,
    amount: w.amount,
    category: w.category,
    settlement: w.settlement,
    bank: c.bank,
    regionCode: c.regionCode,
  }));
}

/** A withdrawal as the per-day index holds it: only claimed ones (counters.ts dayContributions). */
export type DayWithdrawalView = WithdrawalView & { readonly localDate: string };

export function dayWithdrawalViews(kpmId: string, c: Classification): DayWithdrawalView[] {
  const out: DayWithdrawalView[] = [];
  const views = withdrawalViews(kpmId, c);
  for (let i = 0; i < views.length; i++) {
    const w = c.withdrawals[i]!;
    if (w.settlement !== 'none') out.push({ ...views[i]!, localDate: w.localDate });
  }
  return out;
}

export function samePositionView(a: PositionView, b: PositionView): boolean {
  return (
    a.kpmId === b.kpmId &&
    a.bank === b.bank &&
    a.regionCode === b.regionCode &&
    a.category === b.category &&
    a.credited === b.credited &&
    a.failed === b.failed &&
    a.returned === b.returned &&
    a.drawn === b.drawn &&
    a.withdrawn === b.withdrawn &&
    a.unclaimed === b.unclaimed &&
    a.overdrawnExcess === b.overdrawnExcess
  );
}

export function sameWithdrawalView(a: WithdrawalView, b: WithdrawalView): boolean {
  return (
    a.ref === b.ref &&
    a.source === b.source &&
    a.agentId === b.agentId &&
    a.seq === b.seq &&
    a.hash === b.hash &&
    a.kpmId === b.kpmId &&
    a.amount === b.amount &&
    a.category === b.category &&
    a.settlement === b.settlement &&
    a.bank === b.bank &&
    a.regionCode === b.regionCode
  );
}

export function sameDayWithdrawalView(a: DayWithdrawalView, b: DayWithdrawalView): boolean {
  return a.localDate === b.localDate && sameWithdrawalView(a, b);
}
