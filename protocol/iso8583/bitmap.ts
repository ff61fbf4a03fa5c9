/**
 * Binary bitmaps. Bit 1 is the most significant bit of the first byte. Bit 1 of the primary
 * bitmap announces the secondary bitmap (fields 65-128), which is sent exactly when a field
 * above 64 is present; bit 65 (a tertiary bitmap) is not supported.
 */
import { ERR_ISO_BITMAP, ERR_ISO_FIELD_UNKNOWN } from './errors.ts';
import { fieldSpecs } from './fields.ts';
import type { ByteReader } from './reader.ts';
import type { FieldNumber } from './types.ts';

export function encodeBitmap(present: readonly FieldNumber[]): Uint8Array {
  const secondary = present.some((field) => field > 64);
  const bitmap = new Uint8Array(secondary ? 16 : 8);
  if (secondary) bitmap[0] = 0x80;
  for (const field of present) {
    const bit = field - 1;
    bitmap[bit >> 3] = (bitmap[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  }
  return bitmap;
}

/** Reads the bitmap(s) and returns the announced fields, ascending, all defined in this subset. */
export function readBitmap(reader: ByteReader): FieldNumber[] {
  const primary = reader.take(8, { part: 'bitmap' });
  const fields = setBits(primary, 0);
  if (((primary[0] ?? 0) & 0x80) === 0) return fields;
  const secondary = setBits(reader.take(8, { part: 'bitmap' }), 64);
  if (secondary.length === 0) {
    throw new ERR_ISO_BITMAP('Cannot decode bitmap: bit 1 announces a secondary bitmap, found no field 65-128 in it', {
      part: 'bitmap',
    });
  }
  return fields.concat(secondary);
}

function setBits(bytes: Uint8Array, base: number): FieldNumber[] {
  const fields: FieldNumber[] = [];
  for (let index = 0; index < 8; index++) {
    const byte = bytes[index] ?? 0;
    if (byte === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((byte & (0x80 >> bit)) === 0) continue;
      const field = base + index * 8 + bit + 1;
      if (field === 1) continue; // the secondary bitmap indicator, handled by the caller
      if (fieldSpecs[field] === undefined) {
        throw new ERR_ISO_FIELD_UNKNOWN(`Cannot decode bitmap: field ${field} is not defined in this subset`, {
          field,
        });
      }
      fields.push(field as FieldNumber);
    }
  }
  return fields;
}
