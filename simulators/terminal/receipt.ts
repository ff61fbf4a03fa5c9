/**
 * The printed receipt (struk) of a simulated terminal, Bahasa Indonesia as the field uses it:
 * amounts as "Rp 750.000", dates as dd/mm/yyyy with the local zone, the response text from the
 * protocol's response code table.
 */
import { isResponseCode, maskPan, responseCodes } from '../../protocol/iso8583/index.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';

export type ReceiptKind = 'withdrawal' | 'balance' | 'reversal';

export interface ReceiptInput {
  readonly kind: ReceiptKind;
  readonly response: IsoMessage;
  readonly pan: string;
  readonly at: number;
  /** Offset of the terminal's local time from UTC, minutes (WIB 420, WITA 480, WIT 540). */
  readonly utcOffsetMinutes: number;
  readonly merchantName?: string;
}

const titles: Record<ReceiptKind, string> = { withdrawal: 'Tarik Tunai', balance: 'Cek Saldo', reversal: 'Pembatalan' };
const zones: Record<number, string> = { 420: 'WIB', 480: 'WITA', 540: 'WIT' };

/** "Rp 750.000": dot thousands separator, no decimals. */
export function formatRupiah(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}Rp ${String(Math.abs(Math.trunc(amount))).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

export function formatLocalDateTime(at: number, utcOffsetMinutes: number): string {
  const local = new Date(at + utcOffsetMinutes * 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const zone = zones[utcOffsetMinutes] ?? `UTC${utcOffsetMinutes >= 0 ? '+' : '-'}${Math.abs(utcOffsetMinutes / 60)}`;
  const date = `${two(local.getUTCDate())}/${two(local.getUTCMonth() + 1)}/${local.getUTCFullYear()}`;
  return `${date} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())} ${zone}`;
}

/** Remaining entitlement from field 54 (available balance block), when the response carries it. */
export function remainingFrom(response: IsoMessage): number | undefined {
  const blocks = response.fields[54];
  return blocks?.find((block) => block.amountType === '02')?.amount ?? blocks?.[0]?.amount;
}

export function formatReceipt(input: ReceiptInput): string {
  const { response } = input;
  const code = response.fields[39];
  const approved = code === '00';
  const reason = code !== undefined && isResponseCode(code) ? responseCodes[code].id : 'Tidak ada jawaban';
  const lines = [
    '================================',
    `STRUK ${titles[input.kind].toUpperCase()}`,
    ...(input.merchantName === undefined ? [] : [input.merchantName]),
    `Terminal     : ${response.fields[41] ?? '-'}`,
    `Tanggal      : ${formatLocalDateTime(input.at, input.utcOffsetMinutes)}`,
    `No. Referensi: ${response.fields[37] ?? '-'}`,
    `Kartu        : ${maskPan(input.pan)}`,
  ];
  if (input.kind !== 'balance' && response.fields[4] !== undefined)
    lines.push(`Jumlah       : ${formatRupiah(response.fields[4])}`);
  lines.push(`Status       : ${approved ? 'DISETUJUI' : 'DITOLAK'}`);
  if (!approved) lines.push(`Alasan       : ${reason}${code === undefined ? '' : ` (${code})`}`);
  if (response.fields[62] !== undefined && !approved) lines.push(`Keterangan   : ${response.fields[62]}`);
  if (approved && response.fields[38] !== undefined) lines.push(`Kode Otorisasi: ${response.fields[38]}`);
  const remaining = remainingFrom(response);
  if (remaining !== undefined) lines.push(`Sisa Bantuan : ${formatRupiah(remaining)}`);
  lines.push('', 'Terima kasih', '================================');
  return lines.join('\n');
}
