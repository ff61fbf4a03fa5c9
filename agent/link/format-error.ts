/**
 * The answer to a payload that does not decode: ISO 8583 response code 30 (format error), addressed
 * from whatever could be read before the fault. The request is read field by field, in bitmap
 * order, keeping each field that reads cleanly; the response takes the request's MTI + 10, the
 * swapped TPDU, the fields of the same echo rule as every other response (agent/core
 * responses.ts: the required ones, and 24, 42 when they were readable) and the receipt text of 30
 * in field 62. When the TPDU, the MTI or a field the response requires (STAN, terminal id, ...)
 * is unreadable, no response can be addressed and the caller sends none: the terminal times out
 * and reverses, which is safe because nothing was decided for a request that did not decode.
 */
import { unpackNibbles } from '../../protocol/iso8583/bcd.ts';
import { readBitmap } from '../../protocol/iso8583/bitmap.ts';
import { readField } from '../../protocol/iso8583/field-codec.ts';
import { fromRaw } from '../../protocol/iso8583/field-values.ts';
import { fieldSpecs } from '../../protocol/iso8583/fields.ts';
import {
  encode,
  isMti,
  isRequestMti,
  mtiRules,
  responseCodes,
  responseMti,
  swapTpdu,
} from '../../protocol/iso8583/index.ts';
import type { IsoMessage, Mti, Tpdu } from '../../protocol/iso8583/index.ts';
import { ByteReader } from '../../protocol/iso8583/reader.ts';
import { echoed } from '../core/responses.ts';
import { readTpdu } from '../../protocol/iso8583/tpdu.ts';

interface Salvage {
  readonly tpdu: Tpdu;
  readonly mti: Mti;
  readonly fields: Record<number, unknown>;
}

/** Reads as much of a broken request as reads cleanly; undefined when even TPDU or MTI fail. */
export function salvageRequest(bytes: Uint8Array): Salvage | undefined {
  const reader = new ByteReader(bytes);
  let tpdu: Tpdu;
  let mti: string;
  try {
    tpdu = readTpdu(reader);
    mti = unpackNibbles(reader.take(2, { part: 'mti' }), 4, false, { part: 'mti' });
  } catch {
    return undefined;
  }
  if (!isMti(mti)) return undefined;
  const fields: Record<number, unknown> = {};
  try {
    for (const number of readBitmap(reader)) {
      const spec = fieldSpecs[number];
      if (spec === undefined) break;
      fields[number] = fromRaw(number, readField(reader, spec), mti);
    }
  } catch {
    // Keep what was read before the fault: fields after it cannot be located reliably.
  }
  return { tpdu, mti, fields };
}

/** Encoded 30-response to `bytes`, or undefined when it cannot be addressed or encoded. */
export function formatErrorResponse(bytes: Uint8Array): Uint8Array | undefined {
  const salvage = salvageRequest(bytes);
  if (salvage === undefined || !isRequestMti(salvage.mti)) return undefined;
  const mti = responseMti(salvage.mti);
  const rule = mtiRules[mti];
  const fields: Record<number, unknown> = {};
  for (const number of rule.required) {
    if (number === 39) continue;
    if (salvage.fields[number] === undefined) return undefined;
  }
  for (const number of echoed[salvage.mti]) {
    const value = salvage.fields[number];
    if (value !== undefined) fields[number] = value;
  }
  fields[39] = '30';
  fields[62] = responseCodes['30'].id;
  // The salvaged values were produced by the codec's own fromRaw, so they have the field types.
  const response = { tpdu: swapTpdu(salvage.tpdu), mti, fields } as IsoMessage;
  try {
    return encode(response);
  } catch {
    return undefined;
  }
}
