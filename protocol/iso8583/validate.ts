/**
 * The checks encode runs before writing a byte, exported so a caller can ask "would this
 * encode?" (e.g. the agent before it commits an approval). Decode runs the same field and MTI
 * checks on what it reads, so both directions hold one set of rules.
 */
import { ERR_ISO_FIELD, ERR_ISO_MTI, ERR_ISO_FIELD_UNKNOWN } from './errors.ts';
import { checkRaw, type RawValue } from './field-codec.ts';
import { checkRawSemantics, toRaw } from './field-values.ts';
import { fieldSpec, type FieldSpec } from './fields.ts';
import { isMti } from './mti.ts';
import { checkMtiRules } from './rules.ts';
import { checkTpdu } from './tpdu.ts';
import type { IsoMessage } from './types.ts';

export interface PreparedField {
  readonly spec: FieldSpec;
  readonly raw: RawValue;
}

/** Throws the coded error for the first thing wrong with `message`; returns nothing when valid. */
export function validateMessage(message: IsoMessage): void {
  prepareFields(message);
}

/** Validates `message` and returns its fields as raw wire values in ascending field order. */
export function prepareFields(message: IsoMessage): PreparedField[] {
  if (typeof message !== 'object' || message === null) {
    throw new ERR_ISO_FIELD('Cannot accept message: expected an object with tpdu, mti and fields', {
      reason: 'type',
    });
  }
  checkTpdu(message.tpdu);
  const mti: unknown = message.mti;
  if (!isMti(mti)) throw new ERR_ISO_MTI(`Cannot accept message: unsupported MTI ${String(mti)}`, { part: 'mti' });
  const fields: unknown = message.fields;
  if (typeof fields !== 'object' || fields === null) {
    throw new ERR_ISO_FIELD('Cannot accept message: expected fields to be an object', { reason: 'type' });
  }
  const prepared: PreparedField[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const spec = /^[1-9][0-9]{0,2}$/.test(key) ? fieldSpec(Number(key)) : undefined;
    if (spec === undefined)
      throw new ERR_ISO_FIELD_UNKNOWN(`Cannot accept message: field ${key} is not defined in this subset`, {
        field: key,
      });
    const raw = toRaw(spec.number, value, mti);
    checkRaw(spec, raw);
    checkRawSemantics(spec.number, raw);
    prepared.push({ spec, raw });
  }
  prepared.sort((a, b) => a.spec.number - b.spec.number);
  checkMtiRules(message);
  return prepared;
}
