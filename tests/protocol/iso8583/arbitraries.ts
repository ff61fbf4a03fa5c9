/**
 * fast-check generators of valid messages for every MTI, built from the documented field
 * formats: each required field always, each optional field sometimes, and the fields required
 * when approved whenever field 39 is 00.
 */
import fc from 'fast-check';
import { encodeTlv, mtiRules, responseCodes } from '../../../protocol/iso8583/index.ts';
import type { FieldNumber, IsoMessage, Mti, ResponseCode, TlvItem } from '../../../protocol/iso8583/index.ts';

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

export const digits = (min: number, max = min): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const alnum = (length: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'),
    minLength: length,
    maxLength: length,
  });
const printable = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    minLength: min,
    maxLength: max,
  });
const amount = (max = 999_999_999_999): fc.Arbitrary<number> => fc.bigInt({ min: 0n, max: BigInt(max) }).map(Number);

export const monthDay = fc
  .integer({ min: 1, max: 12 })
  .chain((month) => fc.integer({ min: 1, max: daysInMonth[month - 1]! }).map((day) => pad(month, 2) + pad(day, 2)));
export const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m, s]) => pad(h, 2) + pad(m, 2) + pad(s, 2));
const expiry = fc
  .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => pad(y, 2) + pad(m, 2));
const track2 = fc
  .tuple(digits(12, 19), expiry, digits(3))
  .chain(([pan, yymm, service]) => digits(0, 37 - pan.length - 8).map((rest) => `${pan}D${yymm}${service}${rest}`));

const tlvTags = ['82', '95', '9A', '9C', '5F2A', '5F34', '9F02', '9F10', '9F26', '9F27', '9F34', '9F36', '9F37'];
export const tlvItem: fc.Arbitrary<TlvItem> = fc.record({
  tag: fc.constantFrom(...tlvTags),
  value: fc.uint8Array({ maxLength: 40 }),
});
export const iccData = fc.array(tlvItem, { minLength: 1, maxLength: 5 }).map((items) => encodeTlv(items));

const additionalAmount = fc.record({
  accountType: digits(2),
  amountType: digits(2),
  currency: digits(3),
  amount: fc.bigInt({ min: -999_999_999_999n, max: 999_999_999_999n }).map(Number),
});

function field60(mti: Mti): fc.Arbitrary<unknown> {
  if (mti === '0400' || mti === '0410') {
    return fc.record({
      kind: fc.constant('original'),
      mti: fc.constant('0200'),
      stan: digits(6),
      localDate: monthDay,
      localTime: time,
    });
  }
  return fc.record({ kind: fc.constant('batch'), batchNumber: digits(6) });
}

function fieldArbitrary(field: FieldNumber, mti: Mti): fc.Arbitrary<unknown> {
  const rule = mtiRules[mti];
  switch (field) {
    case 2:
      return digits(12, 19);
    case 3:
      return rule.transactionType === undefined ? digits(6) : digits(4).map((rest) => rule.transactionType! + rest);
    case 4:
      return amount();
    case 7:
      return fc.tuple(monthDay, time).map(([d, t]) => d + t);
    case 11:
      return digits(6);
    case 12:
      return time;
    case 13:
      return monthDay;
    case 14:
      return expiry;
    case 22:
      return digits(3);
    case 24:
      return digits(3);
    case 25:
      return digits(2);
    case 35:
      return track2;
    case 37:
      return alnum(12);
    case 38:
      return alnum(6);
    case 39:
      return fc.constantFrom(...(Object.keys(responseCodes) as ResponseCode[]));
    case 41:
      return printable(8, 8);
    case 42:
      return printable(15, 15);
    case 52:
      return fc.uint8Array({ minLength: 8, maxLength: 8 });
    case 61:
      return printable(1, 300);
    case 54:
      return fc.array(additionalAmount, { minLength: 1, maxLength: 6 });
    case 55:
      return iccData;
    case 60:
      return field60(mti);
    case 62:
      return rule.field62 === 'invoice' ? digits(6) : printable(1, 120);
    case 70:
      return fc.constantFrom('001', '301');
    case 63: {
      const count = fc.integer({ min: 0, max: 9999 });
      return fc.record({
        withdrawalCount: count,
        withdrawalAmount: amount(),
        reversalCount: count,
        reversalAmount: amount(),
      });
    }
  }
}

const address = fc.integer({ min: 0, max: 0xffff });

export function messageArbitrary(mti: Mti): fc.Arbitrary<IsoMessage> {
  const rule = mtiRules[mti];
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of [...rule.required, ...rule.optional]) shape[field] = fieldArbitrary(field, mti);
  const whenApproved: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of rule.requiredWhenApproved) whenApproved[field] = fieldArbitrary(field, mti);
  return fc
    .tuple(
      fc.record({ destination: address, source: address }),
      fc.record(shape, { requiredKeys: rule.required.map(String) }),
      fc.record(whenApproved),
    )
    .map(([tpdu, fields, approvedExtras]) => {
      const complete = fields[39] === '00' ? { ...approvedExtras, ...fields } : fields;
      return { tpdu, mti, fields: complete };
    });
}
