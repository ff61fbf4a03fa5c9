/**
 * CSV export of one category, streamed page by page so memory stays bounded whatever the size.
 * Fields are quoted when they hold a comma, quote or newline (RFC 4180); a field starting with
 * = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
 */
import type { KpmCategory, WithdrawalCategory } from '../recon/classify.ts';
import { kpmCategories } from '../recon/classify.ts';
import type { ReconStore } from '../store/types.ts';

export function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

export const positionColumns = [
  'kpmId',
  'bank',
  'regionCode',
  'category',
  'credited',
  'failed',
  'returned',
  'drawn',
  'withdrawn',
  'unclaimed',
  'overdrawnExcess',
] as const;
export const withdrawalColumns = [
  'agentId',
  'seq',
  'hash',
  'kpmId',
  'amount',
  'category',
  'bank',
  'regionCode',
] as const;

export async function* exportCsv(
  store: Pick<ReconStore, 'positions' | 'withdrawals'>,
  tahap: string,
  category: KpmCategory | WithdrawalCategory,
  filter: { bank?: string | undefined; region?: string | undefined },
): AsyncGenerator<string> {
  const isKpm = (kpmCategories as readonly string[]).includes(category);
  const columns = isKpm ? positionColumns : withdrawalColumns;
  yield csvLine(columns);
  let after: string | undefined;
  do {
    const page = isKpm
      ? await store.positions(tahap, category as KpmCategory, { ...filter, after, limit: 1000 })
      : await store.withdrawals(tahap, category as WithdrawalCategory, { ...filter, after, limit: 1000 });
    for (const item of page.items)
      yield csvLine(columns.map((c) => (item as unknown as Record<string, string | number>)[c] ?? ''));
    after = page.next;
  } while (after !== undefined);
}
