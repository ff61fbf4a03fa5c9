/**
 * Typed field values to and from their raw wire strings, with the checks that go beyond a
 * field's character set and length: date and time ranges, the track 2 layout, known response
 * and network codes, and the private layouts of fields 54, 60 and 63.
 */
import { ERR_ISO_FIELD } from './errors.ts';
import type { RawValue } from './field-codec.ts';
import {
  additionalAmountsFromRaw,
  additionalAmountsToRaw,
  amountRupiahMax,
  checkMonthDay,
  checkTime,
  field60FromRaw,
  field60ToRaw,
  padAmount,
  settlementTotalsFromRaw,
  settlementTotalsToRaw,
} from './private-fields.ts';
import { isResponseCode } from './response-codes.ts';
import { decodeTlv } from './tlv.ts';
import type { FieldNumber, IsoFields, Mti } from './types.ts';

type FieldValue = NonNullable<IsoFields[FieldNumber]>;

/** Track 2: PAN 12-19 digits, 'D', expiry YYMM, service code n3, discretionary digits. */
const track2Pattern = /^[0-9]{12,19}D[0-9]{2}(0[1-9]|1[0-2])[0-9]{3}[0-9]*$/;

function fail(field: number, reason: string, message: string): never {
  throw new ERR_ISO_FIELD(`Cannot accept field ${field}: ${message}`, { field, reason });
}

/**
 * Checks on a raw string that already has the field's characters and length, whichever
 * direction it travels.
 */
export function checkRawSemantics(field: FieldNumber, raw: RawValue): void {
  if (typeof raw !== 'string') {
    // Field 55 must be well-formed TLV, so the agent can trust cardPinResult() on any decoded message.
    if (field === 55) decodeTlv(raw);
    return;
  }
  switch (field) {
    case 7:
      checkMonthDay(raw.slice(0, 4), 7);
      checkTime(raw.slice(4), 7);
      return;
    case 12:
      checkTime(raw, 12);
      return;
    case 13:
      checkMonthDay(raw, 13);
      return;
    case 14:
      if (!/^[0-9]{2}(0[1-9]|1[0-2])$/.test(raw)) fail(14, 'date', 'expected an expiry YYMM with month 01-12');
      return;
    case 35:
      if (!track2Pattern.test(raw))
        fail(35, 'layout', "expected PAN n12-19, 'D', YYMM, service code n3, discretionary digits");
      return;
    case 39:
      if (!isResponseCode(raw))
        fail(39, 'unknown response code', `expected a response code of this system, found '${raw}'`);
      return;
    case 70:
      if (raw !== '001' && raw !== '301')
        fail(70, 'unknown network code', `expected 001 (sign-on) or 301 (echo), found ${raw}`);
      return;
    default:
      return;
  }
}

/** Converts a caller's value to its raw wire value (callers then check it with checkRaw and checkRawSemantics). */
export function toRaw(field: FieldNumber, value: unknown, mti: Mti): RawValue {
  let raw: RawValue;
  switch (field) {
    case 4:
      raw = padAmount(value, amountRupiahMax, 12, 4, 'amount');
      break;
    case 54:
      raw = additionalAmountsToRaw(value);
      break;
    case 60:
      raw = field60ToRaw(value, mti);
      break;
    case 63:
      raw = settlementTotalsToRaw(value);
      break;
    default:
      if (typeof value !== 'string' && !(value instanceof Uint8Array))
        fail(field, 'type', 'expected a string or Uint8Array');
      raw = value;
  }
  return raw;
}

/** Converts a decoded raw value (already format-checked) to the typed value. */
export function fromRaw(field: FieldNumber, raw: RawValue, mti: Mti): FieldValue {
  checkRawSemantics(field, raw);
  if (typeof raw !== 'string') return raw;
  switch (field) {
    case 4:
      return Number(raw);
    case 54:
      return additionalAmountsFromRaw(raw);
    case 60:
      return field60FromRaw(raw, mti);
    case 63:
      return settlementTotalsFromRaw(raw);
    default:
      return raw;
  }
}
