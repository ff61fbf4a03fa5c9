/**
 * The rejects report a bank officer fixes the file from: CSV with header `line,code,reason`,
 * one reject per line, RFC 4180 quoting. Written as the rejects arrive (streaming), honouring
 * the output's back-pressure. Reasons never hold a full NIK, card number or name.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DisbursementReject } from './types.ts';

export const rejectsReportHeader = 'line,code,reason';

export function csvQuote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function rejectsReportLine(reject: DisbursementReject): string {
  return `${reject.line},${csvQuote(reject.code)},${csvQuote(reject.reason)}\n`;
}

/** Writes the report and returns how many rejects it holds. Does not end `out`. */
export async function writeRejectsReport(
  rejects: Iterable<DisbursementReject> | AsyncIterable<DisbursementReject>,
  out: Writable | NodeJS.WritableStream,
): Promise<number> {
  let count = 0;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out as Writable, 'drain');
  };
  await write(`${rejectsReportHeader}\n`);
  for await (const reject of rejects) {
    await write(rejectsReportLine(reject));
    count++;
  }
  return count;
}
