/**
 * The field table: wire format and length of every field this subset defines. Units of a
 * length: digits for formats n and z (packed two per byte), bytes for an, ans and b.
 * LLVAR prefixes are 1 BCD byte (00-99), LLLVAR prefixes 2 BCD bytes (0000-0999); both count
 * in the same unit as the field.
 */
import type { FieldNumber } from './types.ts';

/** n: digits as packed BCD; z: track 2 digits and 'D' as packed nibbles; an: ASCII letters and
 * digits; ans: printable ASCII 0x20-0x7E; b: raw bytes. */
export type FieldFormat = 'n' | 'z' | 'an' | 'ans' | 'b';
export type LengthKind = 'fixed' | 'LLVAR' | 'LLLVAR';

export interface FieldSpec {
  readonly number: FieldNumber;
  readonly name: string;
  readonly format: FieldFormat;
  readonly lengthKind: LengthKind;
  readonly minLength: number;
  readonly maxLength: number;
}

function fixed(number: FieldNumber, name: string, format: FieldFormat, length: number): FieldSpec {
  return { number, name, format, lengthKind: 'fixed', minLength: length, maxLength: length };
}

function variable(
  number: FieldNumber,
  name: string,
  format: FieldFormat,
  kind: 'LLVAR' | 'LLLVAR',
  min: number,
  max: number,
): FieldSpec {
  return { number, name, format, lengthKind: kind, minLength: min, maxLength: max };
}

const specList: readonly FieldSpec[] = [
  variable(2, 'primary account number', 'n', 'LLVAR', 12, 19),
  fixed(3, 'processing code', 'n', 6),
  fixed(4, 'amount, transaction (rupiah)', 'n', 12),
  fixed(7, 'transmission date and time MMDDhhmmss', 'n', 10),
  fixed(11, 'system trace audit number', 'n', 6),
  fixed(12, 'local time hhmmss', 'n', 6),
  fixed(13, 'local date MMDD', 'n', 4),
  fixed(14, 'expiration date YYMM', 'n', 4),
  fixed(22, 'POS entry mode', 'n', 3),
  fixed(24, 'network international identifier', 'n', 3),
  fixed(25, 'POS condition code', 'n', 2),
  // 12..19 PAN digits + 'D' + YYMM + 3-digit service code, then up to 17 discretionary digits.
  variable(35, 'track 2 equivalent data', 'z', 'LLVAR', 20, 37),
  fixed(37, 'retrieval reference number', 'an', 12),
  fixed(38, 'authorization identification response', 'an', 6),
  fixed(39, 'response code', 'an', 2),
  fixed(41, 'card acceptor terminal id', 'ans', 8),
  fixed(42, 'card acceptor (agent) id', 'ans', 15),
  fixed(52, 'PIN block', 'b', 8),
  variable(54, 'additional amounts', 'an', 'LLLVAR', 20, 120),
  variable(55, 'ICC data (EMV TLV)', 'b', 'LLLVAR', 1, 255),
  variable(60, 'batch number or original transaction', 'ans', 'LLLVAR', 6, 20),
  variable(61, 'struk proof', 'ans', 'LLLVAR', 1, 300),
  variable(62, 'invoice number or message text', 'ans', 'LLLVAR', 1, 120),
  variable(63, 'settlement totals', 'ans', 'LLLVAR', 32, 32),
  fixed(70, 'network management information code', 'n', 3),
];

/** Indexed by field number 1..128; undefined for fields this subset does not define. */
export const fieldSpecs: ReadonlyArray<FieldSpec | undefined> = (() => {
  const table: Array<FieldSpec | undefined> = new Array<FieldSpec | undefined>(129).fill(undefined);
  for (const spec of specList) table[spec.number] = spec;
  return table;
})();

export const fieldNumbers: readonly FieldNumber[] = specList.map((spec) => spec.number);

export function fieldSpec(number: number): FieldSpec | undefined {
  return Number.isInteger(number) && number >= 1 && number <= 128 ? fieldSpecs[number] : undefined;
}

/** Bytes a value of `length` units occupies on the wire (without its prefix). */
export function bodyBytes(spec: FieldSpec, length: number): number {
  return spec.format === 'n' || spec.format === 'z' ? (length + 1) >> 1 : length;
}
