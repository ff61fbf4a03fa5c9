/**
 * Writes a bank's disbursement (penyaluran) file for one tahap, in any gateway layout, streaming:
 * one KPM in, one line out, output back-pressure honoured, so 1M+ rows never sit in memory.
 * Which rows fail (gagal transfer) or are returned (retur) is drawn from the seed per KPM, so the
 * same options always give the same bytes.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import {
  formatAmount,
  formatDate,
  resolveLayout,
  type Bank,
  type DisbursementRow,
  type DisbursementStatus,
  type LayoutSpec,
} from '../../gateway/import/index.ts';
import { mixSeed, tag, createPrng } from '../common/prng.ts';
import type { Kpm } from './population.ts';
import { tahapMonths } from './reference-data.ts';

export interface DisbursementFileOptions {
  readonly bank: Bank;
  /** e.g. 2026-IV */
  readonly tahap: string;
  /** Built-in layout id or a LayoutSpec; default the bank's layout. */
  readonly layout?: string | LayoutSpec;
  /** Share of rows marked gagal transfer, 0..1. */
  readonly failedRate?: number;
  /** Share of rows marked retur kas negara, 0..1. */
  readonly returnedRate?: number;
  readonly seed: number;
  readonly lineEnding?: '\n' | '\r\n';
  /** Starts the file with a UTF-8 byte order mark, as Excel's "CSV UTF-8" does. */
  readonly bom?: boolean;
}

/** A row as the bank reports it, before layout formatting; `line` is its line in the file. */
export type DisbursementRecord = DisbursementRow & { readonly date: { year: number; month: number; day: number } };

const chunkCharsMax = 64 * 1024;

function parseTahap(tahap: string): { year: number; roman: string } {
  const match = /^([0-9]{4})-(I|II|III|IV)$/.exec(tahap);
  if (match === null)
    throw new RangeError(`Cannot write a disbursement file: expected a tahap such as 2026-IV, found ${tahap}`);
  return { year: Number(match[1]), roman: match[2]! };
}

function checkRate(name: string, rate: number): void {
  if (!(rate >= 0 && rate <= 1))
    throw new RangeError(`Cannot write a disbursement file: expected ${name} in 0..1, found ${rate}`);
}

/** The logical rows of the file (KPMs of `options.bank` only), in file order. */
export function* disbursementRecords(
  population: Iterable<Kpm>,
  options: DisbursementFileOptions,
): Generator<DisbursementRecord> {
  const failedRate = options.failedRate ?? 0;
  const returnedRate = options.returnedRate ?? 0;
  checkRate('failedRate', failedRate);
  checkRate('returnedRate', returnedRate);
  if (failedRate + returnedRate > 1)
    throw new RangeError(
      `Cannot write a disbursement file: expected failedRate + returnedRate <= 1, found ${failedRate + returnedRate}`,
    );
  const { year, roman } = parseTahap(options.tahap);
  const firstMonth = tahapMonths[roman]![0];
  let line = 1;
  for (const kpm of population) {
    if (kpm.bank !== options.bank) continue;
    const rng = createPrng(mixSeed(options.seed, kpm.index, tag(options.tahap), tag(options.bank)));
    const draw = rng.next();
    const status: DisbursementStatus =
      draw < failedRate ? 'failed' : draw < failedRate + returnedRate ? 'returned' : 'credited';
    line++;
    yield {
      line,
      tahap: options.tahap,
      bank: options.bank,
      kpmId: kpm.kpmId,
      nik: kpm.nik,
      pan: kpm.card.pan,
      name: kpm.name,
      regionCode: kpm.regionCode,
      amount: kpm.rupiahPerTahap,
      status,
      reference: `${options.bank}${year}${roman}-${String(kpm.index + 1).padStart(10, '0')}`,
      date: { year, month: firstMonth, day: rng.int(1, 28) },
    };
  }
}

/** Quotes a field when the delimiter, a quote, a line break or edge spaces would otherwise corrupt it. */
export function csvField(value: string, delimiter: string): string {
  const needs =
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    value !== value.trim();
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

type Field = keyof LayoutSpec['columns'];

/** The field behind each header column, in header order (computed once per file). */
export function headerFields(layout: LayoutSpec): Field[] {
  const byName = new Map<string, Field>();
  for (const [field, name] of Object.entries(layout.columns)) {
    if (name !== undefined) byName.set(name.toUpperCase(), field as Field);
  }
  return layout.header.map((name) => byName.get(name.toUpperCase())!);
}

/** One record's fields in the layout's header order. */
export function layoutFields(
  record: DisbursementRecord,
  layout: LayoutSpec,
  order: readonly Field[],
  rowNumber: number,
): string[] {
  const values: Record<Field, string> = {
    rowNumber: String(rowNumber),
    kpmId: record.kpmId,
    nik: record.nik,
    pan: record.pan,
    name: record.name,
    regionCode: record.regionCode,
    amount: formatAmount(record.amount, layout.amountFormat, layout.amountCurrencyPrefix),
    status: layout.statusWords[record.status][0]!,
    reference: record.reference,
    date: layout.dateFormat === undefined ? '' : formatDate(record.date, layout.dateFormat),
    bank: record.bank,
    tahap: record.tahap,
  };
  return order.map((field) => values[field]);
}

/** Writes header and rows of `records` to `out` (not ended). Returns the number of data rows. */
export async function writeRecords(
  records: Iterable<DisbursementRecord>,
  layout: LayoutSpec,
  out: Writable | NodeJS.WritableStream,
  format: { lineEnding?: '\n' | '\r\n'; bom?: boolean } = {},
): Promise<number> {
  const eol = format.lineEnding ?? '\n';
  const d = layout.delimiter;
  let chunk = (format.bom === true ? '\ufeff' : '') + layout.header.map((name) => csvField(name, d)).join(d) + eol;
  const order = headerFields(layout);
  let rows = 0;
  for (const record of records) {
    rows++;
    chunk +=
      layoutFields(record, layout, order, rows)
        .map((value) => csvField(value, d))
        .join(d) + eol;
    if (chunk.length >= chunkCharsMax) {
      if (!out.write(chunk)) await once(out as Writable, 'drain');
      chunk = '';
    }
  }
  if (chunk.length > 0 && !out.write(chunk)) await once(out as Writable, 'drain');
  return rows;
}

/** Writes the tahap's disbursement file of one bank for `population`. Returns the number of data rows. */
export async function writeDisbursementFile(
  population: Iterable<Kpm>,
  options: DisbursementFileOptions,
  out: Writable | NodeJS.WritableStream,
): Promise<number> {
  const layout = resolveLayout(options.bank, options.layout);
  return writeRecords(disbursementRecords(population, options), layout, out, {
    lineEnding: options.lineEnding,
    bom: options.bom,
  });
}
