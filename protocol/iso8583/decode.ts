/**
 * decode(bytes) -> message. Reads TPDU, MTI, bitmap and fields in order, refuses trailing bytes,
 * then checks the MTI's rules. Every failure is a coded EdcError; anything else escaping the
 * reader would be a codec bug and is wrapped as EDC_ERR_ISO_INTERNAL, so callers handling
 * terminal input never see an untyped exception.
 */
import { isEdcError } from '../errors.ts';
import { unpackNibbles } from './bcd.ts';
import { readBitmap } from './bitmap.ts';
import { ERR_ISO_INTERNAL, ERR_ISO_TRAILING, ERR_ISO_MTI } from './errors.ts';
import { readField } from './field-codec.ts';
import { fromRaw } from './field-values.ts';
import { fieldSpecs } from './fields.ts';
import { isMti } from './mti.ts';
import { ByteReader } from './reader.ts';
import { checkMtiRules } from './rules.ts';
import { readTpdu } from './tpdu.ts';
import type { IsoMessage, Mti } from './types.ts';

export function decode(bytes: Uint8Array): IsoMessage {
  if (!(bytes instanceof Uint8Array)) {
    throw new ERR_ISO_INTERNAL('Cannot decode message: expected a Uint8Array', { reason: 'type' });
  }
  try {
    return decodeUnchecked(bytes);
  } catch (error) {
    if (isEdcError(error)) throw error;
    throw new ERR_ISO_INTERNAL('Cannot decode message: unexpected failure inside the codec', {}, error);
  }
}

function decodeUnchecked(bytes: Uint8Array): IsoMessage {
  const reader = new ByteReader(bytes);
  const tpdu = readTpdu(reader);
  const mti = readMti(reader);
  const present = readBitmap(reader);
  const fields: Record<number, unknown> = {};
  for (const number of present) {
    const spec = fieldSpecs[number];
    if (spec === undefined)
      throw new ERR_ISO_INTERNAL(`Cannot decode field ${number}: bitmap reader let an undefined field through`);
    fields[number] = fromRaw(number, readField(reader, spec), mti);
  }
  if (reader.remaining > 0) {
    throw new ERR_ISO_TRAILING(
      `Cannot decode message: expected it to end at offset ${reader.offset}, found ${reader.remaining} more bytes`,
      {
        offset: reader.offset,
        trailing: reader.remaining,
      },
    );
  }
  const message: IsoMessage = { tpdu, mti, fields };
  checkMtiRules(message);
  return message;
}

function readMti(reader: ByteReader): Mti {
  const where = { part: 'mti' };
  const digits = unpackNibbles(reader.take(2, where), 4, false, where);
  if (!isMti(digits))
    throw new ERR_ISO_MTI(`Cannot decode MTI: expected a supported MTI, found ${digits}`, { ...where, mti: digits });
  return digits;
}
