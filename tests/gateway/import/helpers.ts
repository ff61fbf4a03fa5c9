import { Readable } from 'node:stream';
import { parseDisbursements, type ParseOptions } from '../../../gateway/import/index.ts';
import type { DisbursementReject, DisbursementRow, ParsedDisbursement } from '../../../gateway/import/types.ts';

/** A readable of the given text, in chunks of `chunkChars` (small chunks exercise record boundaries). */
export function textStream(text: string | Buffer, chunkChars = 64 * 1024): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkChars) chunks.push(bytes.subarray(i, i + chunkChars));
  return Readable.from(chunks);
}

export async function collect(
  items: AsyncIterable<ParsedDisbursement>,
): Promise<{ rows: DisbursementRow[]; rejects: DisbursementReject[] }> {
  const rows: DisbursementRow[] = [];
  const rejects: DisbursementReject[] = [];
  for await (const item of items) {
    if (item.ok) rows.push(item.row);
    else rejects.push(item.reject);
  }
  return { rows, rejects };
}

export function parseText(
  text: string | Buffer,
  options: ParseOptions,
  chunkChars?: number,
): Promise<{ rows: DisbursementRow[]; rejects: DisbursementReject[] }> {
  return collect(parseDisbursements(textStream(text, chunkChars), options));
}

/** Valid sample values (NIK and PAN well-formed, fictitious). */
export const good = {
  kpmId: 'KPM-0000000004',
  nik: '3201325410937842',
  nik2: '1671111612859691',
  pan: '6032980000000036',
  pan2: '6032980000000044',
  region: '3201322016',
} as const;

export const briHeader = 'NO,ID_KPM,NIK,NAMA,NO_KKS,KODE_WILAYAH,NOMINAL,STATUS,REF_TRANSAKSI,TGL_SALUR';

export function briLine(
  over: Partial<
    Record<'no' | 'kpmId' | 'nik' | 'name' | 'pan' | 'region' | 'amount' | 'status' | 'ref' | 'date', string>
  > = {},
): string {
  return [
    over.no ?? '1',
    over.kpmId ?? good.kpmId,
    over.nik ?? good.nik,
    over.name ?? 'SITI RAHAYU',
    over.pan ?? good.pan,
    over.region ?? good.region,
    over.amount ?? '750000',
    over.status ?? 'BERHASIL',
    over.ref ?? 'BRI2026IV-0000000001',
    over.date ?? '2026-10-15',
  ].join(',');
}
