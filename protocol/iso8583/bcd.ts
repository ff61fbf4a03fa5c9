/**
 * Packed BCD: two decimal digits per byte, high nibble first. A value with an odd number of
 * digits is LEFT-padded with one 0 nibble ("123" -> 0x01 0x23), so the value is right-aligned
 * and the decoder, which knows the digit count, skips exactly one leading nibble and requires
 * it to be 0. Track 2 (format z) uses the same packing with nibble 0xD as its separator.
 */
import { ERR_ISO_INTERNAL, ERR_ISO_BCD } from './errors.ts';
import type { ErrorDetails } from '../errors.ts';

const separatorNibble = 0xd;

/** Packs digits (and, when `allowSeparator`, 'D') into ceil(n/2) bytes, left-padded with 0. */
export function packNibbles(text: string, allowSeparator: boolean): Uint8Array {
  const out = new Uint8Array((text.length + 1) >> 1);
  const pad = text.length & 1; // 1 when a leading pad nibble is needed
  for (let i = 0; i < text.length; i++) {
    const nibble = nibbleOf(text.charCodeAt(i), allowSeparator);
    const position = i + pad;
    const index = position >> 1;
    out[index] = (out[index] ?? 0) | (position & 1 ? nibble : nibble << 4);
  }
  return out;
}

function nibbleOf(charCode: number, allowSeparator: boolean): number {
  if (charCode >= 0x30 && charCode <= 0x39) return charCode - 0x30;
  if (allowSeparator && charCode === 0x44) return separatorNibble;
  // Callers validate the text first; reaching here is a codec bug, not bad input.
  throw new ERR_ISO_INTERNAL(`Cannot pack BCD: expected a digit, found character code ${charCode}`);
}

/**
 * Unpacks `count` nibbles from `bytes` (which holds exactly ceil(count/2) bytes). Throws
 * EDC_ERR_ISO_BCD naming `where` for a nibble above 9 (other than an allowed separator) or a
 * non-zero pad nibble.
 */
export function unpackNibbles(bytes: Uint8Array, count: number, allowSeparator: boolean, where: ErrorDetails): string {
  const pad = count & 1;
  if (pad === 1 && (bytes[0] ?? 0) >> 4 !== 0) {
    throw new ERR_ISO_BCD(
      `Cannot decode BCD: expected a 0 pad nibble, found 0x${((bytes[0] ?? 0) >> 4).toString(16)}`,
      where,
    );
  }
  let text = '';
  for (let position = pad; position < count + pad; position++) {
    const byte = bytes[position >> 1] ?? 0;
    const nibble = position & 1 ? byte & 0x0f : byte >> 4;
    if (nibble <= 9) text += String.fromCharCode(0x30 + nibble);
    else if (allowSeparator && nibble === separatorNibble) text += 'D';
    else throw new ERR_ISO_BCD(`Cannot decode BCD: expected a digit, found nibble 0x${nibble.toString(16)}`, where);
  }
  return text;
}

/** Decodes a BCD byte pair or single byte as a number, or returns -1 when a nibble is above 9. */
export function bcdValue(bytes: Uint8Array): number {
  let value = 0;
  for (const byte of bytes) {
    const high = byte >> 4;
    const low = byte & 0x0f;
    if (high > 9 || low > 9) return -1;
    value = value * 100 + high * 10 + low;
  }
  return value;
}

/** Encodes 0..99 (one byte) or 0..9999 (two bytes) as BCD. */
export function bcdBytes(value: number, byteCount: 1 | 2): Uint8Array {
  return packNibbles(String(value).padStart(byteCount * 2, '0'), false);
}
