/**
 * The rejects report a bank officer fixes the file from: CSV with header `line,code,reason`,
 * one reject per record, RFC 4180 (CRLF after every record, quoting where needed) written by
 * csv-stringify, with formula cells neutralised (a reason starting with = + - @ gets a leading ')
 * because the officer opens it in a spreadsheet. Written as the rejects arrive (streaming),
 * honouring the output's back-pressure. Reasons never hold a full NIK, card number or name.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { DisbursementReject } from './types.ts';

export const rejectsReportColumns = ['line', 'code', 'reason'] as const;

const options = { record_delimiter: 'windows', escape_formulas: true } as const;

/** The header record, CRLF-terminated. */
export const rejectsReportHeader: string = stringify([[...rejectsReportColumns]], options);

/** One reject as a CRLF-terminated record. */
export function rejectsReportLine(reject: DisbursementReject): string {
  return stringify([[reject.line, reject.code, reject.reason]], options);
}

/** Writes text to `out`, waiting for 'drain' when its buffer is full. */
export async function writeWithBackpressure(out: Writable | NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out as Writable, 'drain');
}

/** Writes the report and returns how many rejects it holds. Does not end `out`. */
export async function writeRejectsReport(
  rejects: Iterable<DisbursementReject> | AsyncIterable<DisbursementReject>,
  out: Writable | NodeJS.WritableStream,
): Promise<number> {
  let count = 0;
  await writeWithBackpressure(out, rejectsReportHeader);
  for await (const reject of rejects) {
    await writeWithBackpressure(out, rejectsReportLine(reject));
    count++;
  }
  return count;
}
