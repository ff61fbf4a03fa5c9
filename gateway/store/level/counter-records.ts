/**
 * Stored counter records (`ctr!T!bank!region`, `ctrb!T!bank`, `stl!T!agent`, `dctr!T!bank!MMDD`) hold the
 * typed shapes of recon/counters.ts as JSON. Bucket, rollup and settlement records are written sparse:
 * only their non-zero fields (a village bucket's dense record is about 1.3 KB of mostly zeros, and an
 * import rewrites one per bucket it touches per chunk). Both forms are read by adding the stored
 * fields into the kind's empty record, so a dense record written before (or by bench/lib/recon-load.ts)
 * reads as it always did and is rewritten sparse when next changed. A record with a field the kind
 * lacks, a value that is not a safe integer, or no fields at all is refused as EDC_ERR_STORE_CORRUPT
 * instead of being summed as zeros or NaN.
 */
import { ERR_STORE_CORRUPT } from '../../errors.ts';
import {
  emptySettlementCounters,
  emptyTahapCounters,
  type DayCounters,
  type SettlementCounters,
  type TahapCounters,
} from '../../recon/counters.ts';
import { parseJson } from './db.ts';

function corrupt(key: string, what: string): never {
  throw new ERR_STORE_CORRUPT(`Cannot read ${key}: expected a counters record, found ${what}`, { key });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Adds a stored (sparse or dense) record's fields into `into`, which has every field; false when none.
 * Also how the PostgreSQL store sums a counter's shards (store/pg/kv.ts), so both stores refuse alike.
 */
export function addStoredCounters(key: string, into: Record<string, unknown>, from: unknown): boolean {
  if (!isRecord(from)) corrupt(key, 'another shape');
  let any = false;
  for (const name in from) {
    const v = from[name];
    const slot = Object.hasOwn(into, name) ? into[name] : undefined;
    if (typeof slot === 'number' && Number.isSafeInteger(v)) into[name] = slot + (v as number);
    else if (isRecord(slot)) addStoredCounters(key, slot, v);
    else corrupt(key, `an unexpected field ${JSON.stringify(name)}`);
    any = true;
  }
  return any;
}

function readStored<T extends object>(key: string, value: unknown, empty: () => T): T {
  const out = empty();
  if (!addStoredCounters(key, out as Record<string, unknown>, value)) corrupt(key, 'an empty record');
  return out;
}

/** The record as stored: its non-zero fields only (undefined when every field is zero). */
export function sparseCounters(value: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  // for..in, not Object.entries: one record per village bucket per chunk, and entries allocate per field.
  for (const name in value) {
    const v = value[name];
    const kept = typeof v === 'number' ? (v === 0 ? undefined : v) : sparseCounters(v as Record<string, unknown>);
    if (kept !== undefined) (out ??= {})[name] = kept;
  }
  return out;
}

/** A bucket or rollup record as written (sparse); undefined when every field is zero (the record is deleted). */
export function tahapCountersRecord(c: TahapCounters): Record<string, unknown> | undefined {
  return sparseCounters(c as unknown as Record<string, unknown>);
}

/**
 * A settlement record as written (sparse, as tahapCountersRecord); undefined when every field is zero: the
 * record is deleted, since `{}` would read back as EDC_ERR_STORE_CORRUPT.
 */
export function settlementCountersRecord(c: SettlementCounters): Record<string, unknown> | undefined {
  return sparseCounters(c as unknown as Record<string, unknown>);
}

export function checkTahapCounters(key: string, value: unknown): TahapCounters {
  return readStored(key, value, emptyTahapCounters);
}

export function checkSettlementCounters(key: string, value: unknown): SettlementCounters {
  return readStored(key, value, emptySettlementCounters);
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
