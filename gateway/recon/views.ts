/**
 * The category indexes' records: what staff read per KPM (its position) and per withdrawal,
 * derived from a Classification alone, so every store derives the same views.
 */
import type { Classification, WithdrawalCategory } from './classify.ts';

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
  readonly agentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly kpmId: string;
  readonly amount: number;
  readonly category: WithdrawalCategory;
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
    agentId: w.agentId,
    seq: w.seq,
    hash: w.hash,
    kpmId,
    amount: w.amount,
    category: w.category,
    bank: c.bank,
    regionCode: c.regionCode,
  }));
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
    a.agentId === b.agentId &&
    a.seq === b.seq &&
    a.hash === b.hash &&
    a.kpmId === b.kpmId &&
    a.amount === b.amount &&
    a.category === b.category &&
    a.bank === b.bank &&
    a.regionCode === b.regionCode
  );
}
