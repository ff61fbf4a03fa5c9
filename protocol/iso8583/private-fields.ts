/**
 * Fixed layouts inside fields 54, 60 and 63 (all carried as ASCII in LLLVAR fields).
 *   54: blocks of 20: account type n2, amount type n2, currency n3, sign 'C'|'D', amount n12.
 *   60: batch number n6, or (0400/0410) original MTI n4 + STAN n6 + local date MMDD + local time hhmmss.
 *   63: withdrawal count n4, withdrawal amount n12, reversal count n4, reversal amount n12.
 */
import { ERR_ISO_FIELD } from './errors.ts';
import type { AdditionalAmount, Field60, Mti, SettlementTotals } from './types.ts';

/** Largest amount an n12 field holds; below 2^53, so every value is an exact JS number. */
export const amountRupiahMax = 999_999_999_999;
export const settlementCountMax = 9_999;
export const additionalAmountBlocksMax = 6;

function fail(field: number, reason: string, message: string): never {
  throw new ERR_ISO_FIELD(`Cannot accept field ${field}: ${message}`, { field, reason });
}

function digits(value: unknown, width: number, field: number, what: string): string {
  if (typeof value !== 'string' || value.length !== width || !/^[0-9]+$/.test(value)) {
    fail(field, what, `expected ${what} as ${width} digits`);
  }
  return value;
}

/** Records are strict: an unexpected key is refused rather than silently dropped on the wire. */
function checkKeys(record: object, allowed: readonly string[], field: number): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) fail(field, 'unexpected key', `expected only ${allowed.join(', ')}, found '${key}'`);
  }
}

/** Formats a non-negative safe integer into `width` digits. */
export function padAmount(value: unknown, max: number, width: number, field: number, what: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    fail(field, what, `expected ${what} as an integer 0..${max}, found ${String(value)}`);
  }
  return String(value).padStart(width, '0');
}

export function additionalAmountsToRaw(value: unknown): string {
  if (!Array.isArray(value) || value.length < 1 || value.length > additionalAmountBlocksMax) {
    fail(54, 'blocks', `expected 1..${additionalAmountBlocksMax} additional amounts`);
  }
  return (value as unknown[]).map((block) => additionalAmountToRaw(block)).join('');
}

function additionalAmountToRaw(block: unknown): string {
  if (typeof block !== 'object' || block === null) fail(54, 'block', 'expected an object per additional amount');
  checkKeys(block, ['accountType', 'amountType', 'currency', 'amount'], 54);
  const { accountType, amountType, currency, amount } = block as Record<string, unknown>;
  const sign = typeof amount === 'number' && amount < 0 ? 'D' : 'C';
  const magnitude = typeof amount === 'number' ? Math.abs(amount) : amount;
  return (
    digits(accountType, 2, 54, 'account type') +
    digits(amountType, 2, 54, 'amount type') +
    digits(currency, 3, 54, 'currency') +
    sign +
    padAmount(magnitude, amountRupiahMax, 12, 54, 'amount')
  );
}

export function additionalAmountsFromRaw(raw: string): AdditionalAmount[] {
  if (raw.length % 20 !== 0) fail(54, 'layout', `expected a multiple of 20 characters, found ${raw.length}`);
  const blocks: AdditionalAmount[] = [];
  for (let at = 0; at < raw.length; at += 20) {
    const block = raw.slice(at, at + 20);
    if (!/^[0-9]{7}[CD][0-9]{12}$/.test(block)) fail(54, 'layout', `expected n7 'C'|'D' n12 in block ${at / 20 + 1}`);
    const magnitude = Number(block.slice(8));
    // A debit of zero would re-encode as 'C': refusing it keeps one wire form per value.
    if (block[7] === 'D' && magnitude === 0)
      fail(54, 'layout', `expected sign 'C' for a zero amount in block ${at / 20 + 1}`);
    blocks.push({
      accountType: block.slice(0, 2),
      amountType: block.slice(2, 4),
      currency: block.slice(4, 7),
      amount: block[7] === 'D' ? -magnitude : magnitude,
    });
  }
  return blocks;
}

/** 0400 and 0410 carry the original transaction in field 60; every other MTI a batch number. */
export function field60Kind(mti: Mti): Field60['kind'] {
  return mti === '0400' || mti === '0410' ? 'original' : 'batch';
}

export function field60ToRaw(value: unknown, mti: Mti): string {
  if (typeof value !== 'object' || value === null) fail(60, 'type', 'expected a field 60 record');
  const record = value as Record<string, unknown>;
  const kind = field60Kind(mti);
  if (record.kind !== kind) fail(60, 'kind', `expected kind '${kind}' in a ${mti}, found '${String(record.kind)}'`);
  if (kind === 'batch') {
    checkKeys(record, ['kind', 'batchNumber'], 60);
    return digits(record.batchNumber, 6, 60, 'batch number');
  }
  checkKeys(record, ['kind', 'mti', 'stan', 'localDate', 'localTime'], 60);
  if (record.mti !== '0200') fail(60, 'original mti', `expected original MTI 0200, found ${String(record.mti)}`);
  const localDate = digits(record.localDate, 4, 60, 'original local date');
  const localTime = digits(record.localTime, 6, 60, 'original local time');
  checkMonthDay(localDate, 60);
  checkTime(localTime, 60);
  return '0200' + digits(record.stan, 6, 60, 'original STAN') + localDate + localTime;
}

export function field60FromRaw(raw: string, mti: Mti): Field60 {
  const kind = field60Kind(mti);
  if (kind === 'batch') {
    if (!/^[0-9]{6}$/.test(raw)) fail(60, 'layout', `expected a 6-digit batch number in a ${mti}`);
    return { kind, batchNumber: raw };
  }
  if (!/^0200[0-9]{16}$/.test(raw)) fail(60, 'layout', `expected '0200' + STAN n6 + MMDD + hhmmss in a ${mti}`);
  const value = {
    kind,
    mti: '0200',
    stan: raw.slice(4, 10),
    localDate: raw.slice(10, 14),
    localTime: raw.slice(14, 20),
  } as const;
  checkMonthDay(value.localDate, 60);
  checkTime(value.localTime, 60);
  return value;
}

export function settlementTotalsToRaw(value: unknown): string {
  if (typeof value !== 'object' || value === null) fail(63, 'type', 'expected a settlement totals record');
  checkKeys(value, ['withdrawalCount', 'withdrawalAmount', 'reversalCount', 'reversalAmount'], 63);
  const totals = value as Record<string, unknown>;
  return (
    padAmount(totals.withdrawalCount, settlementCountMax, 4, 63, 'withdrawal count') +
    padAmount(totals.withdrawalAmount, amountRupiahMax, 12, 63, 'withdrawal amount') +
    padAmount(totals.reversalCount, settlementCountMax, 4, 63, 'reversal count') +
    padAmount(totals.reversalAmount, amountRupiahMax, 12, 63, 'reversal amount')
  );
}

export function settlementTotalsFromRaw(raw: string): SettlementTotals {
  if (!/^[0-9]{32}$/.test(raw)) fail(63, 'layout', 'expected 32 digits: count n4, amount n12, count n4, amount n12');
  return {
    withdrawalCount: Number(raw.slice(0, 4)),
    withdrawalAmount: Number(raw.slice(4, 16)),
    reversalCount: Number(raw.slice(16, 20)),
    reversalAmount: Number(raw.slice(20, 32)),
  };
}

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** MMDD: month 01-12, day 01 up to the month's length (29 for February: the year is unknown). */
export function checkMonthDay(mmdd: string, field: number): void {
  const month = Number(mmdd.slice(0, 2));
  const day = Number(mmdd.slice(2, 4));
  if (month < 1 || month > 12 || day < 1 || day > (daysInMonth[month - 1] ?? 0)) {
    fail(field, 'date', `expected a date MMDD, found month ${month} day ${day}`);
  }
}

/** hhmmss: 00-23, 00-59, 00-59 (leap seconds are not sent by terminals). */
export function checkTime(hhmmss: string, field: number): void {
  const hours = Number(hhmmss.slice(0, 2));
  const minutes = Number(hhmmss.slice(2, 4));
  const seconds = Number(hhmmss.slice(4, 6));
  if (hours > 23 || minutes > 59 || seconds > 59)
    fail(field, 'time', `expected a time hhmmss, found ${hours}:${minutes}:${seconds}`);
}
