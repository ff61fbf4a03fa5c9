/**
 * The printed receipt (struk) of a simulated terminal, Bahasa Indonesia first (English with
 * language 'en'), 40 columns as on a 76 mm EDC printer: amounts as "Rp 750.000", dates as
 * dd/mm/yyyy with the local zone, the decline reason from the protocol's response code table,
 * printed once. Every label has the width of the longest one, so values line up; a value too long
 * for its column wraps under itself.
 *
 * What identifies a transaction on the struk: the agent (field 42) with the terminal (41) and the
 * trace number (STAN, 11), which together are unique. The reference number (37) is printed only
 * on an approved withdrawal, where it is the agent's ledger sequence number; a balance inquiry's
 * 37 (`BI` + date + STAN) names no record and repeats across terminals, so it is not printed.
 */
import { agentRefusalOf, isResponseCode, maskPan, responseCodes } from '../../protocol/iso8583/index.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import { qrTextArt, strukCodeOf } from './struk-qr.ts';

export type ReceiptKind = 'withdrawal' | 'balance' | 'reversal';
export type ReceiptLanguage = 'id' | 'en';

export interface ReceiptInput {
  readonly kind: ReceiptKind;
  readonly response: IsoMessage;
  readonly pan: string;
  readonly at: number;
  /** Offset of the terminal's local time from UTC, minutes (WIB 420, WITA 480, WIT 540). */
  readonly utcOffsetMinutes: number;
  /** The agent's shop name, printed under the title when the terminal is configured with it. */
  readonly agentName?: string;
  /**
   * The answer came from an agent that authorizes offline (this system's agent always does: it
   * never asks the bank per transaction). An approval is then marked OFFLINE.
   */
  readonly authorizedOffline?: boolean;
  /** Print the struk proof (field 61) as QR text art under the struk (default true). */
  readonly qr?: boolean;
  readonly language?: ReceiptLanguage;
}

/** Printer width in characters. */
export const receiptColumns = 40;

const text = {
  id: {
    titles: { withdrawal: 'STRUK TARIK TUNAI', balance: 'STRUK CEK SALDO', reversal: 'STRUK PEMBATALAN' },
    agent: 'Agen',
    terminal: 'Terminal',
    date: 'Tanggal',
    trace: 'No. Trace',
    reference: 'No. Referensi',
    card: 'Kartu',
    amount: 'Jumlah',
    status: 'Status',
    approved: 'DISETUJUI',
    declined: 'DITOLAK',
    reason: 'Alasan',
    note: 'Keterangan',
    authCode: 'Kode Otorisasi',
    remaining: 'Sisa Bantuan',
    offlineNote: 'Diteruskan ke bank saat ada sinyal',
    strukCode: 'Kode struk (untuk pengaduan):',
    qrNote: 'Pindai QR untuk memeriksa keaslian struk',
    thanks: 'Terima kasih',
  },
  en: {
    titles: { withdrawal: 'CASH WITHDRAWAL', balance: 'BALANCE INQUIRY', reversal: 'REVERSAL' },
    agent: 'Agent',
    terminal: 'Terminal',
    date: 'Date',
    trace: 'Trace No.',
    reference: 'Reference No.',
    card: 'Card',
    amount: 'Amount',
    status: 'Status',
    approved: 'APPROVED',
    declined: 'DECLINED',
    reason: 'Reason',
    note: 'Note',
    authCode: 'Approval Code',
    remaining: 'Remaining aid',
    offlineNote: 'Sent on to the bank when online',
    strukCode: 'Struk code (for complaints):',
    qrNote: 'Scan the QR to check this struk is genuine',
    thanks: 'Thank you',
  },
} as const;

type Texts = (typeof text)[ReceiptLanguage];

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

/** Words of `value` in lines of at most `width` characters (a longer word is cut). */
function wrap(value: string, width: number): string[] {
  const words = value
    .split(/\s+/)
    .filter((word) => word !== '')
    .flatMap((word) => word.match(new RegExp(`.{1,${width}}`, 'g')) ?? []);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length === 0 ? [''] : lines;
}

function centered(value: string): string {
  return wrap(value, receiptColumns)
    .map((line) => ' '.repeat(Math.floor((receiptColumns - line.length) / 2)) + line)
    .join('\n');
}

const labelKeys = [
  'agent',
  'terminal',
  'date',
  'trace',
  'reference',
  'card',
  'amount',
  'status',
  'reason',
  'note',
  'authCode',
  'remaining',
] as const;

/** Label column: the longest label of the language, so every value starts in the same column. */
function labeller(t: Texts): (label: string, value: string) => string {
  const width = Math.max(...labelKeys.map((key) => t[key].length));
  const valueWidth = receiptColumns - width - 2;
  return (label, value) =>
    wrap(value, valueWidth)
      .map((part, i) => (i === 0 ? `${label.padEnd(width)}: ${part}` : `${' '.repeat(width + 2)}${part}`))
      .join('\n');
}

/** The decline reason, once: the code's text, or the agent's own refusal when field 62 names one. */
function declineLines(response: IsoMessage, t: Texts, language: ReceiptLanguage): [string, string][] {
  const code = response.fields[39];
  const note = response.fields[62];
  if (code === undefined || !isResponseCode(code)) return [[t.reason, note ?? '-']];
  const known = responseCodes[code];
  const refusal = agentRefusalOf(note);
  const reason = (refusal ?? known)[language];
  const lines: [string, string][] = [[t.reason, `${reason} (${code})`]];
  // Field 62 is printed only when it says more than the code's own text (§4.3 of the protocol).
  if (note !== undefined && note !== known.id && refusal === undefined) lines.push([t.note, note]);
  return lines;
}

function bodyLines(input: ReceiptInput, t: Texts, language: ReceiptLanguage): [string, string][] {
  const f = input.response.fields;
  const approved = f[39] === '00';
  const lines: [string, string][] = [];
  if (f[42] !== undefined) lines.push([t.agent, f[42].trim()]);
  lines.push([t.terminal, f[41]?.trim() ?? '-'], [t.date, formatLocalDateTime(input.at, input.utcOffsetMinutes)]);
  if (f[11] !== undefined) lines.push([t.trace, f[11]]);
  if (approved && input.kind === 'withdrawal' && f[37] !== undefined) lines.push([t.reference, f[37]]);
  lines.push([t.card, maskPan(input.pan)]);
  if (input.kind !== 'balance' && f[4] !== undefined) lines.push([t.amount, formatRupiah(f[4])]);
  lines.push([t.status, approved ? t.approved : t.declined]);
  if (!approved) lines.push(...declineLines(input.response, t, language));
  if (approved && f[38] !== undefined) lines.push([t.authCode, f[38]]);
  const remaining = remainingFrom(input.response);
  if (remaining !== undefined) lines.push([t.remaining, formatRupiah(remaining)]);
  return lines;
}

/** The struk code and, when asked, the QR of an approved withdrawal's proof (field 61). */
function proofLines(input: ReceiptInput, t: Texts): string[] {
  const proof = input.response.fields[61];
  const code = input.kind === 'withdrawal' && input.response.fields[39] === '00' ? strukCodeOf(proof) : undefined;
  if (code === undefined || proof === undefined) return [];
  const qr = input.qr === false ? [] : [qrTextArt(proof), centered(t.qrNote)];
  return [centered(t.strukCode), centered(code), ...qr, ''];
}

export function formatReceipt(input: ReceiptInput): string {
  const language = input.language ?? 'id';
  const t = text[language];
  const approved = input.response.fields[39] === '00';
  const offline = approved && input.authorizedOffline === true;
  const label = labeller(t);
  const rule = '='.repeat(receiptColumns);
  return [
    rule,
    centered(t.titles[input.kind]),
    ...(offline ? [centered('*** OFFLINE ***')] : []),
    ...(input.agentName === undefined ? [] : [centered(input.agentName)]),
    '',
    ...bodyLines(input, t, language).map(([l, v]) => label(l, v)),
    '',
    ...proofLines(input, t),
    ...(offline ? [centered(t.offlineNote)] : []),
    centered(t.thanks),
    rule,
  ].join('\n');
}
