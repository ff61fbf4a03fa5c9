/**
 * Reconciliation as a pure projection. A change to one KPM's facts (a row imported, an entry
 * accepted, evidence kept) re-classifies that KPM; `projectChange` turns its classification
 * before and after into the derived changes as plain data:
 *
 *   counters     per bucket (bank, region): after's contribution minus before's
 *   settlements  per agent: the same for each agent's settlement
 *   kpmIndex     the KPM's position view: removed from its old category, put in its new one
 *   withdrawalIndex  each withdrawal view removed, put or moved between categories
 *   days         per bank and local date (MMDD): the claimed withdrawals' count and rupiah
 *   dayIndex     each claimed withdrawal by local date and bank, for the day's drill-down
 *
 * A store applies the list inside the transaction that stores the facts (LevelDB: into its
 * batch; PostgreSQL: delta rows and index rows), removes before puts, adding each delta to what
 * it holds. Nothing here reads or writes: the same inputs give the same list, in the same
 * order, so every store derives the same state, and a full recompute (the sum of every KPM's
 * contribution) must equal the sum of every change ever applied. Zero deltas and unchanged
 * views are left out, so a change that moves nothing costs a store nothing.
 */
import type { Classification, KpmCategory, WithdrawalCategory } from './classify.ts';
import {
  addDayCounters,
  addSettlementCounters,
  addTahapCounters,
  dayContributions,
  emptyDayCounters,
  emptySettlementCounters,
  emptyTahapCounters,
  isZeroDay,
  isZeroSettlement,
  isZeroTahap,
  settlementContributions,
  tahapContribution,
  type DayCounters,
  type SettlementCounters,
  type TahapCounters,
} from './counters.ts';
import {
  dayWithdrawalViews,
  positionView,
  sameDayWithdrawalView,
  samePositionView,
  sameWithdrawalView,
  withdrawalViews,
  type DayWithdrawalView,
  type PositionView,
  type WithdrawalView,
} from './views.ts';

export interface BucketDelta {
  readonly bank: string;
  readonly regionCode: string;
  readonly delta: TahapCounters;
}

export interface SettlementDelta {
  readonly agentId: string;
  readonly delta: SettlementCounters;
}

export interface KpmIndexKey {
  readonly category: KpmCategory;
  readonly kpmId: string;
}

/** A withdrawal index record: by category, then agent and seq (for paging), then its unique ref. */
export interface WithdrawalIndexKey {
  readonly category: WithdrawalCategory;
  readonly agentId: string;
  readonly seq: number;
  readonly ref: string;
}

/** Withdrawals of one local date (MMDD) of one bank: the KPM's bank, as for its counters. */
export interface DayDelta {
  readonly bank: string;
  readonly localDate: string;
  readonly delta: DayCounters;
}

/** A day index record: by local date, then bank, then agent and seq (for paging), then its unique ref. */
export interface DayIndexKey {
  readonly localDate: string;
  readonly bank: string;
  readonly agentId: string;
  readonly seq: number;
  readonly ref: string;
}

export interface ReconChanges {
  readonly tahap: string;
  readonly kpmId: string;
  readonly counters: readonly BucketDelta[];
  /** Sorted by agentId. */
  readonly settlements: readonly SettlementDelta[];
  readonly kpmIndex: { readonly remove: readonly KpmIndexKey[]; readonly put: readonly PositionView[] };
  readonly withdrawalIndex: {
    readonly remove: readonly WithdrawalIndexKey[];
    readonly put: readonly WithdrawalView[];
  };
  /** Sorted by bank, then local date. */
  readonly days: readonly DayDelta[];
  readonly dayIndex: { readonly remove: readonly DayIndexKey[]; readonly put: readonly DayWithdrawalView[] };
}

/** Classifications of one KPM: undefined when it has no facts (before its first one). */
export interface KpmChange {
  readonly tahap: string;
  readonly kpmId: string;
  readonly before: Classification | undefined;
  readonly after: Classification | undefined;
}

function counterDeltas(before: Classification | undefined, after: Classification | undefined): BucketDelta[] {
  const buckets = new Map<string, BucketDelta>();
  const move = (c: Classification | undefined, sign: 1 | -1): void => {
    if (c === undefined) return;
    const name = `${c.bank}/${c.regionCode}`;
    const bucket = buckets.get(name);
    const contribution = tahapContribution(c);
    if (bucket !== undefined) addTahapCounters(bucket.delta, contribution, sign);
    else if (sign === 1) buckets.set(name, { bank: c.bank, regionCode: c.regionCode, delta: contribution });
    else {
      const delta = emptyTahapCounters();
      addTahapCounters(delta, contribution, -1);
      buckets.set(name, { bank: c.bank, regionCode: c.regionCode, delta });
    }
  };
  move(before, -1);
  move(after, 1);
  return [...buckets.values()].filter((b) => !isZeroTahap(b.delta));
}

function settlementDeltas(before: Classification | undefined, after: Classification | undefined): SettlementDelta[] {
  const agents = new Map<string, SettlementCounters>();
  const move = (c: Classification | undefined, sign: 1 | -1): void => {
    if (c === undefined) return;
    for (const [agentId, contribution] of settlementContributions(c)) {
      let delta = agents.get(agentId);
      if (delta === undefined) agents.set(agentId, (delta = emptySettlementCounters()));
      addSettlementCounters(delta, contribution, sign);
    }
  };
  move(before, -1);
  move(after, 1);
  return [...agents]
    .filter(([, delta]) => !isZeroSettlement(delta))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([agentId, delta]) => ({ agentId, delta }));
}

function kpmIndexChanges(kpmId: string, before: Classification | undefined, after: Classification | undefined) {
  const old = before === undefined ? undefined : positionView(kpmId, before);
  const next = after === undefined ? undefined : positionView(kpmId, after);
  const remove: KpmIndexKey[] = [];
  const put: PositionView[] = [];
  if (old !== undefined && old.category !== next?.category) remove.push({ category: old.category, kpmId });
  if (next !== undefined && (old === undefined || !samePositionView(old, next))) put.push(next);
  return { remove, put };
}

const withdrawalKey = (w: WithdrawalIndexKey): string => `${w.category}/${w.ref}`;

function withdrawalIndexChanges(kpmId: string, before: Classification | undefined, after: Classification | undefined) {
  const old = new Map((before === undefined ? [] : withdrawalViews(kpmId, before)).map((v) => [withdrawalKey(v), v]));
  const next = new Map((after === undefined ? [] : withdrawalViews(kpmId, after)).map((v) => [withdrawalKey(v), v]));
  const remove: WithdrawalIndexKey[] = [];
  const put: WithdrawalView[] = [];
  for (const [key, v] of old)
    if (!next.has(key)) remove.push({ category: v.category, agentId: v.agentId, seq: v.seq, ref: v.ref });
  for (const [key, v] of next) {
    const was = old.get(key);
    if (was === undefined || !sameWithdrawalView(was, v)) put.push(v);
  }
  return { remove, put };
}

function dayDeltas(before: Classification | undefined, after: Classification | undefined): DayDelta[] {
  const days = new Map<string, DayDelta>();
  const move = (c: Classification | undefined, sign: 1 | -1): void => {
    if (c === undefined) return;
    for (const [localDate, contribution] of dayContributions(c)) {
      const name = `${c.bank}/${localDate}`;
      let day = days.get(name);
      if (day === undefined) days.set(name, (day = { bank: c.bank, localDate, delta: emptyDayCounters() }));
      addDayCounters(day.delta, contribution, sign);
    }
  };
  move(before, -1);
  move(after, 1);
  return [...days]
    .filter(([, d]) => !isZeroDay(d.delta))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, d]) => d);
}

const dayKey = (w: DayIndexKey): string => `${w.localDate}/${w.bank}/${w.ref}`;

function dayIndexChanges(kpmId: string, before: Classification | undefined, after: Classification | undefined) {
  const old = new Map((before === undefined ? [] : dayWithdrawalViews(kpmId, before)).map((v) => [dayKey(v), v]));
  const next = new Map((after === undefined ? [] : dayWithdrawalViews(kpmId, after)).map((v) => [dayKey(v), v]));
  const remove: DayIndexKey[] = [];
  const put: DayWithdrawalView[] = [];
  for (const [key, v] of old)
    if (!next.has(key))
      remove.push({ localDate: v.localDate, bank: v.bank, agentId: v.agentId, seq: v.seq, ref: v.ref });
  for (const [key, v] of next) {
    const was = old.get(key);
    if (was === undefined || !sameDayWithdrawalView(was, v)) put.push(v);
  }
  return { remove, put };
}

export function projectChange(change: KpmChange): ReconChanges {
  const { tahap, kpmId, before, after } = change;
  return {
    tahap,
    kpmId,
    counters: counterDeltas(before, after),
    settlements: settlementDeltas(before, after),
    kpmIndex: kpmIndexChanges(kpmId, before, after),
    withdrawalIndex: withdrawalIndexChanges(kpmId, before, after),
    days: dayDeltas(before, after),
    dayIndex: dayIndexChanges(kpmId, before, after),
  };
}
