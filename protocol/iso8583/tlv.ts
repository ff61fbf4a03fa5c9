/**
 * EMV BER-TLV for field 55 (EMV Book 3, Annex B), the subset terminals send:
 *   tag: 1 byte, or 2 bytes when the first byte's low 5 bits are all 1 (then the second byte's
 *        top bit must be 0: tags of 3+ bytes are refused). 0x00 and 0xFF are padding, not tags,
 *        and are refused.
 *   length: shortest form only: 0x00-0x7F in one byte; 0x81 LL for 128-255; 0x82 LLLL for 256-65535.
 *   value: raw bytes; constructed tags (bit 6 of the first tag byte) are returned unparsed.
 * Shortest-form lengths make the encoding unique, so encodeTlv(decodeTlv(b)) equals b.
 */
import { ERR_ISO_TLV } from './errors.ts';

export interface TlvItem {
  /** Upper-case hex, 2 or 4 digits, e.g. '9F34'. */
  readonly tag: string;
  readonly value: Uint8Array;
}

export const tlvValueBytesMax = 0xffff;

function fail(reason: string, offset: number, message: string): never {
  throw new ERR_ISO_TLV(`Cannot read TLV: ${message}`, { field: 55, reason, offset });
}

export function decodeTlv(bytes: Uint8Array): TlvItem[] {
  const items: TlvItem[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const first = bytes[offset++] ?? 0;
    if (first === 0x00 || first === 0xff) fail('tag', start, `expected a tag, found padding byte 0x${hex(first)}`);
    let tag = hex(first);
    if ((first & 0x1f) === 0x1f) {
      if (offset >= bytes.length) fail('truncated', start, 'tag ends after its first byte');
      const second = bytes[offset++] ?? 0;
      if (second & 0x80) fail('tag', start, 'expected a tag of at most 2 bytes');
      tag += hex(second);
    }
    const { length, next } = readTlvLength(bytes, offset, start);
    if (next + length > bytes.length)
      fail('truncated', start, `tag ${tag} announces ${length} bytes, found ${bytes.length - next}`);
    items.push({ tag, value: bytes.slice(next, next + length) });
    offset = next + length;
  }
  return items;
}

function readTlvLength(bytes: Uint8Array, offset: number, start: number): { length: number; next: number } {
  if (offset >= bytes.length) fail('truncated', start, 'tag has no length');
  const first = bytes[offset] ?? 0;
  if (first < 0x80) return { length: first, next: offset + 1 };
  const count = first & 0x7f;
  if (count < 1 || count > 2) fail('length', offset, `expected length form 0x81 or 0x82, found 0x${hex(first)}`);
  if (offset + 1 + count > bytes.length) fail('truncated', start, 'length ends early');
  const length = count === 1 ? (bytes[offset + 1] ?? 0) : ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
  if (length < (count === 1 ? 0x80 : 0x100)) fail('length', offset, `expected the shortest length form for ${length}`);
  return { length, next: offset + 1 + count };
}

export function encodeTlv(items: readonly TlvItem[]): Uint8Array {
  const parts: number[] = [];
  for (const item of items) {
    checkTag(item.tag);
    if (!(item.value instanceof Uint8Array) || item.value.length > tlvValueBytesMax) {
      fail(
        'value',
        parts.length,
        `expected tag ${item.tag}'s value as a Uint8Array of at most ${tlvValueBytesMax} bytes`,
      );
    }
    for (let i = 0; i < item.tag.length; i += 2) parts.push(parseInt(item.tag.slice(i, i + 2), 16));
    const length = item.value.length;
    if (length < 0x80) parts.push(length);
    else if (length <= 0xff) parts.push(0x81, length);
    else parts.push(0x82, length >> 8, length & 0xff);
    for (const byte of item.value) parts.push(byte);
  }
  return Uint8Array.from(parts);
}

function checkTag(tag: unknown): void {
  const ok =
    typeof tag === 'string' &&
    (/^[0-9A-F]{2}$/.test(tag)
      ? (parseInt(tag, 16) & 0x1f) !== 0x1f && tag !== '00' && tag !== 'FF'
      : /^[0-9A-F]{4}$/.test(tag) &&
        (parseInt(tag.slice(0, 2), 16) & 0x1f) === 0x1f &&
        parseInt(tag.slice(2), 16) < 0x80 &&
        !tag.startsWith('FF'));
  if (!ok) fail('tag', 0, `expected a 1- or 2-byte EMV tag in upper-case hex, found ${String(tag)}`);
}

/** The value of the only occurrence of `tag`, undefined when absent; two occurrences are refused. */
export function findTlv(items: readonly TlvItem[], tag: string): Uint8Array | undefined {
  const matches = items.filter((item) => item.tag === tag);
  if (matches.length > 1) fail('duplicate', 0, `expected tag ${tag} at most once, found ${matches.length}`);
  return matches[0]?.value;
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
