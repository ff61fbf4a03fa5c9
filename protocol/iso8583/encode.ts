/**
 * encode(message) -> bytes. Validates the whole message first (nothing is written for an
 * invalid one), then writes TPDU, MTI, bitmap and fields, and finally decodes its own output and
 * compares it with the input: the pair assertion that encode and decode agree on every message
 * that leaves this process.
 */
import { encodeBitmap } from './bitmap.ts';
import { packNibbles } from './bcd.ts';
import { decode } from './decode.ts';
import { ERR_ISO_INTERNAL } from './errors.ts';
import { writeField } from './field-codec.ts';
import { messagesEqual } from './equal.ts';
import { encodeTpdu } from './tpdu.ts';
import type { IsoMessage } from './types.ts';
import { prepareFields } from './validate.ts';

export function encode(message: IsoMessage): Uint8Array {
  const prepared = prepareFields(message);
  const parts: Uint8Array[] = [encodeTpdu(message.tpdu), packNibbles(message.mti, false)];
  parts.push(encodeBitmap(prepared.map((field) => field.spec.number)));
  for (const { spec, raw } of prepared) parts.push(...writeField(spec, raw));
  const bytes = concat(parts);
  assertRoundTrip(message, bytes);
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function assertRoundTrip(message: IsoMessage, bytes: Uint8Array): void {
  let decoded: IsoMessage;
  try {
    decoded = decode(bytes);
  } catch (error) {
    throw new ERR_ISO_INTERNAL(`Cannot encode ${message.mti}: its bytes do not decode`, { mti: message.mti }, error);
  }
  if (!messagesEqual(decoded, message)) {
    throw new ERR_ISO_INTERNAL(`Cannot encode ${message.mti}: its bytes decode to a different message`, {
      mti: message.mti,
    });
  }
}
