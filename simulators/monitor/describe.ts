/**
 * What the line monitor shows of one ISO 8583 payload: the MTI and every field by its name, with
 * card data held back. The PAN shows only its first 6 and last 4 digits; track 2 (35) and the PIN
 * block (52) are never shown, not even in part; field 55 shows the tags that say how the card
 * checked the PIN and the like, and hides the others (an EMV 57 or 5A carries track 2 or the
 * PAN). A payload that does not decode is read as far as it reads cleanly (the agent's own
 * salvage, protocol Part 2 §10.1) and shown with the decode error. Error messages are scrubbed of
 * digit runs as long as a PAN, in case a value was quoted.
 */
import { salvageRequest } from '../../agent/link/format-error.ts';
import { isEdcError } from '../../protocol/errors.ts';
import {
  cardPinResult,
  decode,
  decodeTlv,
  fieldSpec,
  isResponseCode,
  maskPan,
  responseCodes,
} from '../../protocol/iso8583/index.ts';
import type { AdditionalAmount, IsoMessage } from '../../protocol/iso8583/index.ts';
import { formatRupiah } from '../terminal/receipt.ts';

export const hiddenText = '[hidden]';

export interface DescribedField {
  readonly name: string;
  /** What is shown: a string, a number or a small record; never card data beyond the masked PAN. */
  readonly value: unknown;
  /** One line for people. */
  readonly text: string;
}

export interface DescribedMessage {
  readonly mti?: string;
  readonly mtiName?: string;
  readonly fields: Readonly<Record<string, DescribedField>>;
  /** Set when the payload does not decode as a whole; `fields` then holds what could be read. */
  readonly decodeError?: { readonly code: string; readonly detail: string };
}

const mtiNames: Record<string, string> = {
  '0100': 'balance inquiry',
  '0110': 'balance inquiry response',
  '0200': 'cash withdrawal',
  '0210': 'cash withdrawal response',
  '0400': 'reversal',
  '0410': 'reversal response',
  '0500': 'settlement',
  '0510': 'settlement response',
  '0800': 'network management',
  '0810': 'network management response',
};

/** EMV tags of field 55 shown with their value; every other tag shows as hidden. */
const shownTags = new Set(
  ['82', '84', '95', '9A', '9C', '5F2A', '5F34', '9F02', '9F03', '9F10', '9F1A', '9F26'].concat([
    '9F27',
    '9F33',
    '9F34',
    '9F35',
    '9F36',
    '9F37',
  ]),
);

/** Runs of 12 or more digits (a PAN's length) are replaced, so no message can quote card data. */
export function scrub(text: string): string {
  return text.replace(/[0-9]{12,}/g, '[digits]');
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function describeIcc(value: unknown): { value: unknown; text: string } {
  if (!(value instanceof Uint8Array)) return { value: hiddenText, text: hiddenText };
  let items: { tag: string; value: string }[];
  try {
    items = decodeTlv(value).map((item) => ({
      tag: item.tag,
      value: shownTags.has(item.tag) ? hex(item.value) : hiddenText,
    }));
  } catch (error) {
    const code = isEdcError(error) ? error.code : 'unreadable';
    return { value: { error: code }, text: `${hiddenText} (${code})` };
  }
  let pin: string;
  try {
    pin = cardPinResult(value);
  } catch (error) {
    // Well-formed TLV whose 9F34 the agent cannot read (it answers 30, protocol Part 2 §5).
    pin = `unreadable 9F34 (${isEdcError(error) ? error.code : 'error'})`;
  }
  return {
    value: { items, pinResult: pin },
    text: items.map((i) => `${i.tag}=${i.value}`).join(' ') + ` (PIN by the card: ${pin})`,
  };
}

function describeValue(field: number, value: unknown): { value: unknown; text: string } {
  switch (field) {
    case 2: {
      let masked = hiddenText;
      try {
        masked = maskPan(String(value));
      } catch {
        // Not a PAN the mask accepts: show nothing of it.
      }
      return { value: masked, text: masked };
    }
    case 35:
    case 52:
      return { value: hiddenText, text: hiddenText };
    case 55:
      return describeIcc(value);
    case 4:
      return { value, text: `${String(value)} (${formatRupiah(Number(value))})` };
    case 54: {
      const blocks = Array.isArray(value) ? (value as AdditionalAmount[]) : [];
      const text = blocks.map((b) => `${b.amountType === '02' ? 'available' : 'ledger'} ${formatRupiah(b.amount)}`);
      return { value, text: text.join(', ') };
    }
    case 39: {
      const known = isResponseCode(value) ? ` ${responseCodes[value].id} / ${responseCodes[value].en}` : '';
      return { value, text: `${String(value)}${known}` };
    }
    default:
      return typeof value === 'string' ? { value, text: value } : { value, text: JSON.stringify(value) };
  }
}

function describeFields(fields: Readonly<Record<number, unknown>>): Record<string, DescribedField> {
  const out: Record<string, DescribedField> = {};
  for (const [key, raw] of Object.entries(fields)) {
    const field = Number(key);
    if (raw === undefined) continue;
    const shown = describeValue(field, raw);
    out[key] = { name: fieldSpec(field)?.name ?? `field ${field}`, ...shown };
  }
  return out;
}

export function describePayload(payload: Uint8Array): DescribedMessage {
  let message: IsoMessage;
  try {
    message = decode(payload);
  } catch (error) {
    const decodeError = {
      code: isEdcError(error) ? error.code : 'EDC_ERR_ISO_INTERNAL',
      detail: scrub((error as Error).message),
    };
    const salvage = salvageRequest(payload);
    if (salvage === undefined) return { fields: {}, decodeError };
    return { mti: salvage.mti, mtiName: mtiNames[salvage.mti], fields: describeFields(salvage.fields), decodeError };
  }
  return {
    mti: message.mti,
    mtiName: mtiNames[message.mti],
    fields: describeFields(message.fields as Record<number, unknown>),
  };
}
