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
import type { KpmLookupStore, KpmTahapRecord, ReconStore } from '../store/types.ts';

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

/**
 * Evidence a clerk re-checks a row with, from the KPM's record (store kpmDossier, never personal
 * data): for a withdrawal its entry id, terminal, STAN, local date, decision and receipt times,
 * entitlement set and the reversal that undid it; for both, the bank rows of the KPM in the tahap
 * (file SHA-256, line, reference, status; several rows joined with ";").
 */
export const rowEvidenceColumns = ['rowFile', 'rowLine', 'rowReference', 'rowStatus'] as const;
export const withdrawalEvidenceColumns = [
  'id',
  'terminalId',
  'stan',
  'localDate',
  'at',
  'receivedAt',
  'setId',
  'reversedBy',
  ...rowEvidenceColumns,
] as const;

export const exportPageItemsMax = 1000;

type ExportStore = Pick<ReconStore, 'positions' | 'withdrawals'> & Pick<KpmLookupStore, 'kpmDossier'>;
type Cells = Record<string, CsvValue | undefined>;

const iso = (ms: number): string => new Date(ms).toISOString();

function rowCells(record: KpmTahapRecord | undefined): Cells {
  const rows = record?.rows ?? [];
  return {
    rowFile: rows.map((r) => r.fileSha256).join(';'),
    rowLine: rows.map((r) => r.line).join(';'),
    rowReference: rows.map((r) => r.reference).join(';'),
    rowStatus: rows.map((r) => r.status).join(';'),
  };
}

function withdrawalCells(record: KpmTahapRecord | undefined, ref: string): Cells {
  const w = record?.withdrawals.find((x) => x.ref === ref);
  if (w === undefined) return rowCells(record);
  const reversal = record?.reversals.find((r) => r.reverses === w.id && r.agentId === w.agentId);
  return {
    id: w.id,
    terminalId: w.terminalId,
    stan: w.stan,
    localDate: w.localDate,
    at: iso(w.at),
    receivedAt: iso(w.receivedAt),
    setId: w.setId,
    reversedBy: reversal === undefined ? '' : `${reversal.agentId}:${reversal.seq}`,
    ...rowCells(record),
  };
}

/** The tahap's record of each KPM on the page, read one KPM at a time (at most a page of them). */
async function recordsOf(
  store: ExportStore,
  tahap: string,
  kpmIds: readonly string[],
): Promise<Map<string, KpmTahapRecord>> {
  const out = new Map<string, KpmTahapRecord>();
  for (const kpmId of new Set(kpmIds)) {
    const record = (await store.kpmDossier(kpmId, { personal: false }))?.tahaps.find((t) => t.tahap === tahap);
    if (record !== undefined) out.set(kpmId, record);
  }
  return out;
}

export async function* exportCsv(
  store: ExportStore,
  tahap: string,
  category: KpmCategory | WithdrawalCategory,
  filter: { bank?: string | undefined; region?: string | undefined },
): AsyncGenerator<string> {
  const isKpm = (kpmCategories as readonly string[]).includes(category);
  const columns = isKpm
    ? [...positionColumns, ...rowEvidenceColumns]
    : [...withdrawalColumns, ...withdrawalEvidenceColumns];
  yield csvRecords([columns]);
  let after: string | undefined;
  do {
    const query = { ...filter, after, limit: exportPageItemsMax };
    const page = isKpm
      ? await store.positions(tahap, category as KpmCategory, query)
      : await store.withdrawals(tahap, category as WithdrawalCategory, query);
    const items = page.items as unknown as readonly (Cells & { kpmId: string; ref?: string })[];
    const records = await recordsOf(
      store,
      tahap,
      items.map((item) => item.kpmId),
    );
    const cells = (item: Cells & { kpmId: string; ref?: string }): Cells => {
      const record = records.get(item.kpmId);
      return { ...item, ...(item.ref === undefined ? rowCells(record) : withdrawalCells(record, item.ref)) };
    };
    if (items.length > 0)
      yield csvRecords(items.map((item) => cells(item)).map((c) => columns.map((name) => c[name] ?? '')));
    after = page.next;
  } while (after !== undefined);
}
