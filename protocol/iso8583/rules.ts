/**
 * What each MTI carries: required fields, optional fields, fields required only when field 39
 * approves (00), the transaction type in the processing code, and the meaning of field 62
 * (an invoice number in requests, message text in responses).
 */
import { ERR_ISO_FIELD_NOT_ALLOWED, ERR_ISO_FIELD_MISSING, ERR_ISO_FIELD } from './errors.ts';
import type { FieldNumber, IsoMessage, Mti } from './types.ts';

export interface MtiRule {
  readonly required: readonly FieldNumber[];
  readonly optional: readonly FieldNumber[];
  /** Required in addition when field 39 is '00'. */
  readonly requiredWhenApproved: readonly FieldNumber[];
  /** First two digits of field 3 (transaction type), when the MTI carries field 3. */
  readonly transactionType?: string;
  /** Layout of field 62 when the MTI allows it. */
  readonly field62?: 'invoice' | 'text';
}

const cardRequest = [2, 3, 11, 12, 13, 22, 25, 41, 42] as const;
const cardRequestOptional = [7, 14, 24, 35, 52, 55, 60, 62] as const;

export const mtiRules: Readonly<Record<Mti, MtiRule>> = {
  '0100': {
    required: cardRequest,
    optional: cardRequestOptional,
    requiredWhenApproved: [],
    transactionType: '31',
    field62: 'invoice',
  },
  '0110': {
    required: [3, 11, 12, 13, 39, 41, 42],
    optional: [2, 24, 37, 38, 54, 60, 62],
    requiredWhenApproved: [37, 54],
    transactionType: '31',
    field62: 'text',
  },
  '0200': {
    required: [...cardRequest, 4],
    optional: cardRequestOptional,
    requiredWhenApproved: [],
    transactionType: '01',
    field62: 'invoice',
  },
  '0210': {
    required: [3, 4, 11, 12, 13, 39, 41, 42],
    optional: [2, 24, 37, 38, 54, 60, 61, 62],
    requiredWhenApproved: [37, 38],
    transactionType: '01',
    field62: 'text',
  },
  '0400': {
    required: [...cardRequest, 4, 60],
    optional: [7, 14, 24, 35, 55, 62],
    requiredWhenApproved: [],
    transactionType: '01',
    field62: 'invoice',
  },
  '0410': {
    required: [3, 4, 11, 12, 13, 39, 41, 42, 60],
    optional: [2, 24, 37, 62],
    requiredWhenApproved: [],
    transactionType: '01',
    field62: 'text',
  },
  '0500': {
    required: [3, 11, 12, 13, 41, 42, 60, 63],
    optional: [7, 24],
    requiredWhenApproved: [],
    transactionType: '92',
  },
  '0510': {
    required: [3, 11, 12, 13, 39, 41, 42, 60, 63],
    optional: [24, 37, 62],
    requiredWhenApproved: [],
    transactionType: '92',
    field62: 'text',
  },
  '0800': { required: [7, 11, 41, 70], optional: [24, 42], requiredWhenApproved: [] },
  '0810': { required: [7, 11, 39, 41, 70], optional: [12, 13, 24, 42, 62], requiredWhenApproved: [], field62: 'text' },
};

/** Throws the coded error for the first rule of the message's MTI that the fields break. */
export function checkMtiRules(message: IsoMessage): void {
  const { mti, fields } = message;
  const rule = mtiRules[mti];
  const present = presentFields(message);
  for (const field of present) {
    if (!rule.required.includes(field) && !rule.optional.includes(field)) {
      throw new ERR_ISO_FIELD_NOT_ALLOWED(`Cannot accept ${mti}: field ${field} is not allowed in this MTI`, {
        mti,
        field,
      });
    }
  }
  const approved = fields[39] === '00';
  for (const field of approved ? [...rule.required, ...rule.requiredWhenApproved] : rule.required) {
    if (fields[field] === undefined) {
      const when = rule.requiredWhenApproved.includes(field) ? ' when approved (39 = 00)' : '';
      throw new ERR_ISO_FIELD_MISSING(`Cannot accept ${mti}: field ${field} is required${when} but absent`, {
        mti,
        field,
      });
    }
  }
  checkTransactionType(mti, rule, fields[3]);
  checkField62(mti, rule, fields[62]);
}

function checkTransactionType(mti: Mti, rule: MtiRule, processingCode: string | undefined): void {
  if (rule.transactionType === undefined || processingCode === undefined) return;
  if (!processingCode.startsWith(rule.transactionType)) {
    throw new ERR_ISO_FIELD(
      `Cannot accept field 3 of ${mti}: expected transaction type ${rule.transactionType}, ` +
        `found ${processingCode.slice(0, 2)}`,
      {
        field: 3,
        reason: 'transaction type',
      },
    );
  }
}

function checkField62(mti: Mti, rule: MtiRule, value: string | undefined): void {
  if (value === undefined || rule.field62 !== 'invoice') return;
  if (!/^[0-9]{6}$/.test(value)) {
    throw new ERR_ISO_FIELD(`Cannot accept field 62 of ${mti}: expected a 6-digit invoice number`, {
      field: 62,
      reason: 'invoice number',
    });
  }
}

/** Field numbers whose value is not undefined, ascending. */
export function presentFields(message: IsoMessage): FieldNumber[] {
  const present: FieldNumber[] = [];
  for (const key of Object.keys(message.fields)) {
    if ((message.fields as Record<string, unknown>)[key] !== undefined) present.push(Number(key) as FieldNumber);
  }
  return present.sort((a, b) => a - b);
}
