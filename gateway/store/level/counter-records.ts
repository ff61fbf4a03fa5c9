/**
 * Stored counter records (`ctr!T!bank!region`, `stl!T!agent`, `dctr!T!bank!MMDD`) hold the typed shapes of
 * recon/counters.ts as JSON. A record of another shape (written by an older layout, or damaged)
 * is refused as EDC_ERR_STORE_CORRUPT instead of being summed as zeros or NaN.
 */
import { ERR_STORE_CORRUPT } from '../../errors.ts';
import type { DayCounters, SettlementCounters, TahapCounters } from '../../recon/counters.ts';
import { parseJson } from './db.ts';

function checkShape<T>(key: string, value: unknown, fields: readonly string[]): T {
  const record = value as Record<string, unknown> | null;
  const ok =
    typeof record === 'object' &&
    record !== null &&
    fields.every((f) => typeof record[f] === 'number') &&
    typeof record.withdrawalsByCategory === 'object' &&
    record.withdrawalsByCategory !== null;
  if (!ok) throw new ERR_STORE_CORRUPT(`Cannot read ${key}: expected a counters record, found another shape`, { key });
  return value as T;
}

export function checkTahapCounters(key: string, value: unknown): TahapCounters {
  const c = checkShape<TahapCounters>(key, value, ['kpm', 'disbursed']);
  if (typeof c.kpmByCategory !== 'object' || c.kpmByCategory === null)
    throw new ERR_STORE_CORRUPT(`Cannot read ${key}: expected kpmByCategory in a counters record, found none`, { key });
  return c;
}

export function checkSettlementCounters(key: string, value: unknown): SettlementCounters {
  return checkShape<SettlementCounters>(key, value, ['claimed', 'payable', 'disputed']);
}

export function parseTahapCounters(key: string, text: string): TahapCounters {
  return checkTahapCounters(key, parseJson<unknown>(key, text));
}

export function parseSettlementCounters(key: string, text: string): SettlementCounters {
  return checkSettlementCounters(key, parseJson<unknown>(key, text));
}

export function checkDayCounters(key: string, value: unknown): DayCounters {
  const record = value as Record<string, unknown> | null;
  const ok =
    typeof record === 'object' &&
    record !== null &&
    Number.isSafeInteger(record.count) &&
    Number.isSafeInteger(record.amount) &&
    Object.keys(record).length === 2;
  if (!ok) throw new ERR_STORE_CORRUPT(`Cannot read ${key}: expected {count, amount}, found another shape`, { key });
  return value as DayCounters;
}

export function parseDayCounters(key: string, text: string): DayCounters {
  return checkDayCounters(key, parseJson<unknown>(key, text));
}
