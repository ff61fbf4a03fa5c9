/**
 * Wire form of one field: its length prefix and body, from and to a "raw" value (a string of
 * digits/characters, or bytes for format b). Character sets and lengths are checked here, in
 * both directions, so encode and decode hold the same rules.
 */
import { bcdBytes, bcdValue, packNibbles, unpackNibbles } from './bcd.ts';
import { ERR_ISO_FIELD, ERR_ISO_LENGTH } from './errors.ts';
import { bodyBytes, type FieldSpec } from './fields.ts';
import type { ByteReader } from './reader.ts';

export type RawValue = string | Uint8Array;

const charsetPatterns = {
  n: /^[0-9]*$/,
  z: /^[0-9D]*$/,
  an: /^[0-9A-Za-z]*$/,
  ans: /^[\x20-\x7e]*$/,
} as const;

const charsetNames = {
  n: 'digits 0-9',
  z: "digits 0-9 and the separator 'D'",
  an: 'ASCII letters and digits',
  ans: 'printable ASCII (0x20-0x7E)',
} as const;

/** Throws EDC_ERR_ISO_FIELD unless `raw` has the spec's type, characters and length. */
export function checkRaw(spec: FieldSpec, raw: RawValue): void {
  const field = spec.number;
  if (spec.format === 'b') {
    if (!(raw instanceof Uint8Array))
      throw new ERR_ISO_FIELD(`Cannot accept field ${field}: expected a Uint8Array`, { field, reason: 'type' });
  } else {
    if (typeof raw !== 'string')
      throw new ERR_ISO_FIELD(`Cannot accept field ${field}: expected a string`, { field, reason: 'type' });
    if (!charsetPatterns[spec.format].test(raw)) {
      throw new ERR_ISO_FIELD(`Cannot accept field ${field} (${spec.name}): expected ${charsetNames[spec.format]}`, {
        field,
        reason: 'charset',
      });
    }
  }
  if (raw.length < spec.minLength || raw.length > spec.maxLength) {
    const expected = spec.minLength === spec.maxLength ? `${spec.minLength}` : `${spec.minLength}..${spec.maxLength}`;
    throw new ERR_ISO_FIELD(
      `Cannot accept field ${field} (${spec.name}): expected length ${expected}, found ${raw.length}`,
      {
        field,
        reason: 'length',
        length: raw.length,
      },
    );
  }
}

/** Encodes a checked raw value as prefix + body. */
export function writeField(spec: FieldSpec, raw: RawValue): Uint8Array[] {
  checkRaw(spec, raw);
  const body = bodyOf(spec, raw);
  if (spec.lengthKind === 'fixed') return [body];
  return [bcdBytes(raw.length, spec.lengthKind === 'LLVAR' ? 1 : 2), body];
}

function bodyOf(spec: FieldSpec, raw: RawValue): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  if (spec.format === 'n' || spec.format === 'z') return packNibbles(raw, spec.format === 'z');
  const body = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) body[i] = raw.charCodeAt(i);
  return body;
}

/** Reads one field at the reader's cursor and returns its checked raw value. */
export function readField(reader: ByteReader, spec: FieldSpec): RawValue {
  const where = { field: spec.number };
  const length = spec.lengthKind === 'fixed' ? spec.maxLength : readLength(reader, spec);
  const body = reader.take(bodyBytes(spec, length), where);
  let raw: RawValue;
  if (spec.format === 'b') raw = new Uint8Array(body);
  else if (spec.format === 'n' || spec.format === 'z') raw = unpackNibbles(body, length, spec.format === 'z', where);
  else raw = String.fromCharCode(...body);
  checkRaw(spec, raw);
  return raw;
}

function readLength(reader: ByteReader, spec: FieldSpec): number {
  const field = spec.number;
  const prefixBytes = spec.lengthKind === 'LLVAR' ? 1 : 2;
  const length = bcdValue(reader.take(prefixBytes, { field }));
  if (length < 0) {
    throw new ERR_ISO_LENGTH(`Cannot decode field ${field}: expected a BCD length prefix`, {
      field,
      reason: 'not BCD',
    });
  }
  if (length < spec.minLength || length > spec.maxLength) {
    throw new ERR_ISO_LENGTH(
      `Cannot decode field ${field}: expected length ${spec.minLength}..${spec.maxLength}, found ${length}`,
      {
        field,
        reason: 'out of bounds',
        length,
      },
    );
  }
  return length;
}
