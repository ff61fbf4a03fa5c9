/**
 * Amount and date formats of bank layouts, both ways: the parser reads with `parseAmount` and
 * `parseDate`, the bank simulator writes with `formatAmount` and `formatDate`, so a file written
 * in a layout always reads back to the same values (the round-trip property test holds this).
 */
export type AmountFormat = 'integer' | 'id-thousands';
export type DateFormat = 'YYYY-MM-DD' | 'DD/MM/YYYY' | 'DD-MM-YYYY' | 'YYYYMMDD';

export const amountFormats: readonly AmountFormat[] = ['integer', 'id-thousands'];
export const dateFormats: readonly DateFormat[] = ['YYYY-MM-DD', 'DD/MM/YYYY', 'DD-MM-YYYY', 'YYYYMMDD'];

// integer: 750000. id-thousands: 750.000, Rp 750.000, Rp750.000, Rp. 750.000, 750.000,00
// (Indonesian grouping with dots; a ",00" cent part is allowed because spreadsheet exports add
// it, any other cent part is refused: aid is paid in whole rupiah).
const integerPattern = /^[1-9][0-9]{0,14}$/;
const thousandsPattern = /^(?:Rp\.? ?)?([1-9][0-9]{0,2}(?:\.[0-9]{3}){0,4})(?:,00)?$/;

/** The amount in whole rupiah, or undefined when the text is not in the format. */
export function parseAmount(text: string, format: AmountFormat): number | undefined {
  if (format === 'integer') return integerPattern.test(text) ? Number(text) : undefined;
  const match = thousandsPattern.exec(text);
  return match === null ? undefined : Number(match[1]!.replaceAll('.', ''));
}

export function amountExample(format: AmountFormat): string {
  return format === 'integer' ? '750000' : '750.000 or Rp 750.000';
}

export function formatAmount(rupiah: number, format: AmountFormat, withCurrency = false): string {
  if (!Number.isSafeInteger(rupiah) || rupiah <= 0)
    throw new RangeError(`Cannot format amount: expected a positive whole rupiah amount, found ${rupiah}`);
  if (format === 'integer') return String(rupiah);
  const grouped = String(rupiah).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return withCurrency ? `Rp ${grouped}` : grouped;
}

export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const datePatterns: Record<DateFormat, { re: RegExp; y: number; m: number; d: number }> = {
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{2})-(\d{2})$/, y: 1, m: 2, d: 3 },
  'DD/MM/YYYY': { re: /^(\d{2})\/(\d{2})\/(\d{4})$/, y: 3, m: 2, d: 1 },
  'DD-MM-YYYY': { re: /^(\d{2})-(\d{2})-(\d{4})$/, y: 3, m: 2, d: 1 },
  YYYYMMDD: { re: /^(\d{4})(\d{2})(\d{2})$/, y: 1, m: 2, d: 3 },
};

export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 2000 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The date, or undefined when the text is not a real calendar date (2000-2099) in the format. */
export function parseDate(text: string, format: DateFormat): CalendarDate | undefined {
  const spec = datePatterns[format];
  const match = spec.re.exec(text);
  if (match === null) return undefined;
  const date = { year: Number(match[spec.y]), month: Number(match[spec.m]), day: Number(match[spec.d]) };
  return isCalendarDate(date.year, date.month, date.day) ? date : undefined;
}

export function formatDate(date: CalendarDate, format: DateFormat): string {
  if (!isCalendarDate(date.year, date.month, date.day))
    throw new RangeError(
      `Cannot format date: ${date.year}-${date.month}-${date.day} is not a calendar date in 2000-2099`,
    );
  const y = String(date.year);
  const m = String(date.month).padStart(2, '0');
  const d = String(date.day).padStart(2, '0');
  switch (format) {
    case 'YYYY-MM-DD':
      return `${y}-${m}-${d}`;
    case 'DD/MM/YYYY':
      return `${d}/${m}/${y}`;
    case 'DD-MM-YYYY':
      return `${d}-${m}-${y}`;
    case 'YYYYMMDD':
      return `${y}${m}${d}`;
  }
}

/** Status words compare case-insensitively with runs of spaces folded: "Gagal  transfer" = "GAGAL TRANSFER". */
export function normalizeWord(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toUpperCase();
}
