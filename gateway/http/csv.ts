/**
 * The gateway's CSV: RFC 4180 (CRLF after every record, a field quoted when it holds a comma,
 * quote or line break), written by csv-stringify. A text cell starting with = + - @ (or a tab or
 * CR) gets a leading ' so a spreadsheet shows it instead of running it as a formula; numbers are
 * left as numbers. Staff open these files in spreadsheets, so every CSV the gateway emits goes
 * through here (the import's rejects report uses the same options: gateway/import/rejects-report.ts).
 *
 * The staff export is streamed page by page, so memory stays bounded whatever the size.
 */
import { stringify, type Options } from 'csv-stringify/sync';
import type { KpmCategory, WithdrawalCategory } from '../recon/classify.ts';
import { kpmCategories } from '../recon/classify.ts';
import type { ReconStore } from '../store/types.ts';

export const csvOptions: Options = { record_delimiter: 'windows', escape_formulas: true };

export type CsvValue = string | number;

/** Records as CSV text, each ending in CRLF. */
export function csvRecords(records: readonly (readonly CsvValue[])[]): string {
  return stringify(records as CsvValue[][], csvOptions);
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
  'source',
  'settlement',
  'ref',
] as const;

export const exportPageItemsMax = 1000;

export async function* exportCsv(
  store: Pick<ReconStore, 'positions' | 'withdrawals'>,
  tahap: string,
  category: KpmCategory | WithdrawalCategory,
  filter: { bank?: string | undefined; region?: string | undefined },
): AsyncGenerator<string> {
  const isKpm = (kpmCategories as readonly string[]).includes(category);
  const columns = isKpm ? positionColumns : withdrawalColumns;
  yield csvRecords([columns]);
  let after: string | undefined;
  do {
    const query = { ...filter, after, limit: exportPageItemsMax };
    const page = isKpm
      ? await store.positions(tahap, category as KpmCategory, query)
      : await store.withdrawals(tahap, category as WithdrawalCategory, query);
    const items = page.items as unknown as readonly Record<string, CsvValue | undefined>[];
    if (items.length > 0) yield csvRecords(items.map((item) => columns.map((c) => item[c] ?? '')));
    after = page.next;
  } while (after !== undefined);
}
