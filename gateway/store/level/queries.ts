/** Read-side queries over the continuous state: summaries, category pages, settlements, exceptions. */
import type { KpmCategory, WithdrawalCategory } from '../../recon/classify.ts';
import {
  addDayCounters,
  addTahapCounters,
  emptyTahapCounters,
  type SettlementCounters,
  type TahapCounters,
} from '../../recon/counters.ts';
import {
  exceptionAgeBucket,
  exceptionAgeBuckets,
  kpmExceptionKinds,
  withdrawalExceptionKinds,
  type ExceptionAgeBucket,
  type ExceptionKind,
} from '../../recon/exceptions.ts';
import type {
  DayWithdrawalView,
  ExceptionAgeing,
  ExceptionQuery,
  ExceptionView,
  Page,
  PageQuery,
  PositionView,
  RegionCounters,
  RegionSummaryQuery,
  SummaryFilter,
  WithdrawalDay,
  WithdrawalView,
} from '../types.ts';
import { parseDayCounters, parseSettlementCounters, parseTahapCounters } from './counter-records.ts';
import { parseJson, type Db } from './db.ts';
import { exceptionView } from './exception-view.ts';
import { k, range, sep } from './keys.ts';

/** Most records one page request may scan when filters skip records. */
export const pageScanRecordsMax = 100_000;
export const pageItemsMax = 1000;

/**
 * One page over consecutive key ranges (in key order). `after` is the opaque cursor: the last key
 * the previous page scanned. Returns at most `limit` mapped items; next is undefined at the end.
 */
export async function page<T, V = T>(
  db: Db,
  ranges: readonly { gt: string; lt: string }[],
  after: string | undefined,
  limit: number,
  map: (key: string, value: V) => T | undefined | Promise<T | undefined>,
): Promise<Page<T>> {
  const items: T[] = [];
  let scanned = 0;
  let last: string | undefined;
  const wanted = Math.min(Math.max(limit, 1), pageItemsMax);
  for (const r of [...ranges].sort((a, b) => (a.gt < b.gt ? -1 : 1))) {
    if (after !== undefined && after >= r.lt) continue;
    const gt = after !== undefined && after > r.gt ? after : r.gt;
    for await (const [key, value] of db.iterator({ gt, lt: r.lt })) {
      last = key;
      scanned += 1;
      const item = await map(key, parseJson<V>(key, value));
      if (item !== undefined) items.push(item);
      if (items.length >= wanted || scanned >= pageScanRecordsMax) return { items, next: last };
    }
  }
  return { items, next: undefined };
}

function matches(
  place: { bank: string; regionCode: string },
  q: { bank?: string | undefined; region?: string | undefined },
): boolean {
  return (
    (q.bank === undefined || place.bank === q.bank) && (q.region === undefined || place.regionCode.startsWith(q.region))
  );
}

export async function summary(db: Db, tahap: string, filter: SummaryFilter): Promise<TahapCounters> {
  const total = emptyTahapCounters();
  if (filter.region === undefined) {
    // A bank's rollup is the sum of its buckets (bank-counters.ts): one record per bank.
    const keys = filter.bank === undefined ? range('ctrb', tahap) : { gte: k.bankCounters(tahap, filter.bank) };
    const options = filter.bank === undefined ? keys : { ...keys, lte: k.bankCounters(tahap, filter.bank) };
    for await (const [key, value] of db.iterator(options)) addTahapCounters(total, parseTahapCounters(key, value));
    return total;
  }
  for await (const [key, value] of db.iterator(range('ctr', tahap))) {
    const [, , bank = '', regionCode = ''] = key.split(sep);
    if (matches({ bank, regionCode }, filter)) addTahapCounters(total, parseTahapCounters(key, value));
  }
  return total;
}

/**
 * Counters per region prefix: one pass over the tahap's buckets keeping at most limit + 1
 * prefixes (the smallest), so memory is bounded by the page whatever the number of regions.
 */
export async function regionSummary(db: Db, tahap: string, q: RegionSummaryQuery): Promise<Page<RegionCounters>> {
  const wanted = Math.min(Math.max(q.limit, 1), pageItemsMax);
  const groups = new Map<string, TahapCounters>();
  for await (const [key, value] of db.iterator(range('ctr', tahap))) {
    const [, , bank = '', regionCode = ''] = key.split(sep);
    if (!matches({ bank, regionCode }, q)) continue;
    const prefix = regionCode.slice(0, q.digits);
    if (q.after !== undefined && prefix <= q.after) continue;
    let into = groups.get(prefix);
    if (into === undefined) {
      if (groups.size > wanted) {
        const largest = [...groups.keys()].sort().at(-1)!;
        if (prefix > largest) continue;
        groups.delete(largest);
      }
      into = emptyTahapCounters();
      groups.set(prefix, into);
    }
    addTahapCounters(into, parseTahapCounters(key, value));
  }
  const sorted = [...groups.keys()].sort();
  const items = sorted.slice(0, wanted).map((region) => ({ region, counters: groups.get(region)! }));
  return { items, next: sorted.length > wanted ? items.at(-1)?.region : undefined };
}

export function positions(db: Db, tahap: string, category: KpmCategory, q: PageQuery): Promise<Page<PositionView>> {
  return page<PositionView>(db, [range('kcat', tahap, category)], q.after, q.limit, (_key, v) =>
    matches(v, q) ? v : undefined,
  );
}

export function withdrawals(
  db: Db,
  tahap: string,
  category: WithdrawalCategory,
  q: PageQuery,
): Promise<Page<WithdrawalView>> {
  return page<WithdrawalView>(db, [range('wcat', tahap, category)], q.after, q.limit, (_key, v) =>
    matches(v, q) ? v : undefined,
  );
}

/** Summed over banks into one record per date: at most 366 (MMDD) whatever the number of banks. */
export async function withdrawalDays(
  db: Db,
  tahap: string,
  filter: { readonly bank?: string | undefined },
): Promise<WithdrawalDay[]> {
  const days = new Map<string, { localDate: string; count: number; amount: number }>();
  const r = filter.bank === undefined ? range('dctr', tahap) : range('dctr', tahap, filter.bank);
  for await (const [key, value] of db.iterator(r)) {
    const localDate = key.split(sep)[3] ?? '';
    let day = days.get(localDate);
    if (day === undefined) days.set(localDate, (day = { localDate, count: 0, amount: 0 }));
    addDayCounters(day, parseDayCounters(key, value));
  }
  return [...days.values()].sort((a, b) => (a.localDate < b.localDate ? -1 : 1));
}

export function dayWithdrawals(
  db: Db,
  tahap: string,
  localDate: string,
  q: PageQuery,
): Promise<Page<DayWithdrawalView>> {
  const r = q.bank === undefined ? range('wday', tahap, localDate) : range('wday', tahap, localDate, q.bank);
  return page<DayWithdrawalView>(db, [r], q.after, q.limit, (_key, v) => (matches(v, q) ? v : undefined));
}

export async function settlements(db: Db, tahap: string): Promise<Record<string, SettlementCounters>> {
  const out: Record<string, SettlementCounters> = {};
  for await (const [key, value] of db.iterator(range('stl', tahap)))
    out[key.split(sep)[2] ?? ''] = parseSettlementCounters(key, value);
  return out;
}

/** Most category records one ageing count scans (a tahap of 150,000 KPMs and their withdrawals fits). */
export const exceptionAgeingScanRecordsMax = 1_000_000;

function exceptionRanges(tahap: string, q: ExceptionQuery): { gt: string; lt: string }[] {
  const wanted = (c: string): boolean => q.kind === undefined || q.kind === c;
  return [
    ...kpmExceptionKinds.filter(wanted).map((c) => range('kcat', tahap, c)),
    ...withdrawalExceptionKinds.filter(wanted).map((c) => range('wcat', tahap, c)),
  ];
}

/** The exception a category record stands for when it passes the query's filters, else undefined. */
async function filteredException(
  db: Db,
  tahap: string,
  q: ExceptionQuery,
  key: string,
  v: PositionView | WithdrawalView,
): Promise<ExceptionView | undefined> {
  if (!matches(v, q)) return undefined;
  const view = await exceptionView(db, tahap, key.split(sep)[2] as ExceptionKind, v);
  if (q.state !== undefined && view.state !== q.state) return undefined;
  if (q.assignee !== undefined && view.assignee !== q.assignee) return undefined;
  if (q.age !== undefined && exceptionAgeBucket(view.openedAt, q.now ?? Date.now()) !== q.age) return undefined;
  return view;
}

export function exceptions(db: Db, tahap: string, q: ExceptionQuery): Promise<Page<ExceptionView>> {
  return page<ExceptionView, PositionView | WithdrawalView>(db, exceptionRanges(tahap, q), q.after, q.limit, (key, v) =>
    filteredException(db, tahap, q, key, v),
  );
}

export async function exceptionAgeing(
  db: Db,
  tahap: string,
  q: Omit<ExceptionQuery, 'age' | 'after' | 'limit'>,
  now: number,
): Promise<ExceptionAgeing> {
  const buckets = Object.fromEntries(exceptionAgeBuckets.map((b) => [b, 0])) as Record<ExceptionAgeBucket, number>;
  const query: ExceptionQuery = { ...q, age: undefined, limit: 1 };
  let scanned = 0;
  for (const r of exceptionRanges(tahap, query)) {
    for await (const [key, value] of db.iterator(r)) {
      if (scanned >= exceptionAgeingScanRecordsMax) return { buckets, complete: false };
      scanned += 1;
      const view = await filteredException(db, tahap, query, key, parseJson<PositionView | WithdrawalView>(key, value));
      if (view !== undefined) buckets[exceptionAgeBucket(view.openedAt, now)] += 1;
    }
  }
  return { buckets, complete: true };
}
