/**
 * The dates a disbursement row of a tahap may carry. A tahap is a calendar quarter (I January to
 * March, II April to June, III July to September, IV October to December). A credited or failed
 * row is dated in its tahap's quarter, or up to `dateGraceDays` after it when the operator says
 * the bank posted late (default 0); a returned row (retur kas negara) is dated when the money
 * went back, which can be long after, so only the quarter's start bounds it. A file of another
 * tahap shows in its dates even when the layout has no tahap column: imported under the wrong
 * tahap it would credit KPMs a second time.
 */
import type { CalendarDate } from './formats.ts';
import type { DisbursementStatus } from './types.ts';

export const dateGraceDaysMax = 366;
const dayMs = 86_400_000;
const firstMonth: Readonly<Record<string, number>> = { I: 1, II: 4, III: 7, IV: 10 };

function dayNumber(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / dayMs;
}

function iso(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

/** First and last day of the tahap's quarter, as UTC day numbers. */
export function tahapDays(tahap: string): { first: number; last: number } {
  const [year, roman] = tahap.split('-') as [string, string];
  const month = firstMonth[roman]!;
  const first = Date.UTC(Number(year), month - 1, 1) / dayMs;
  const last = Date.UTC(Number(year), month + 2, 0) / dayMs;
  return { first, last };
}

/** Why the date does not belong to the tahap, or undefined when it does. */
export function tahapDateProblem(
  date: CalendarDate,
  status: DisbursementStatus,
  tahap: string,
  dateGraceDays: number,
): string | undefined {
  const { first, last } = tahapDays(tahap);
  const day = dayNumber(date);
  if (status === 'returned') {
    if (day >= first) return undefined;
    return `expected a returned row dated on or after the start of tahap ${tahap} (${iso(first)}), found ${iso(day)}`;
  }
  if (day >= first && day <= last + dateGraceDays) return undefined;
  const grace = dateGraceDays === 0 ? '' : `, or up to ${dateGraceDays} day${dateGraceDays === 1 ? '' : 's'} after`;
  return `expected a date in tahap ${tahap} (${iso(first)} to ${iso(last)}${grace}), found ${iso(day)}`;
}
