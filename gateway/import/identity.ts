/**
 * Structure checks of Indonesian identity numbers. Each check returns undefined when the value is
 * well formed, else a reason that describes what is wrong WITHOUT echoing the value: a NIK or a
 * card number is personal data and must never reach a rejects report or a log in full.
 */

/** Kemendagri province codes (the first two digits of a NIK and of a village code), incl. the 2022 Papua provinces. */
import { isLuhnValid } from '../../protocol/iso8583/pan.ts';
export const provinceCodes: ReadonlySet<string> = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '21',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '51',
  '52',
  '53',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '72',
  '73',
  '74',
  '75',
  '76',
  '81',
  '82',
  '91',
  '92',
  '93',
  '94',
  '95',
  '96',
]);

const digitsOnly = /^[0-9]+$/;

/** "15 characters", "16 characters with a non-digit at position 4": the shape, never the value. */
export function describeDigits(value: string): string {
  if (value.length === 0) return 'an empty field';
  const bad = value.search(/[^0-9]/);
  return bad < 0 ? `${value.length} digits` : `${value.length} characters with a non-digit at position ${bad + 1}`;
}

/** 6-digit-prefix...last-4 for a PAN (the PCI DSS display rule), for reasons and logs. */
export function maskPan(pan: string): string {
  return pan.length < 13 ? '*'.repeat(pan.length) : `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

/** Luhn (ISO/IEC 7812-1): one implementation for the whole system, in protocol/. */
export { isLuhnValid as luhnValid, luhnCheckDigit } from '../../protocol/iso8583/pan.ts';

export function checkPan(pan: string): string | undefined {
  if (pan.length < 16 || pan.length > 19 || !digitsOnly.test(pan))
    return `expected a KKS card number of 16-19 digits, found ${describeDigits(pan)}`;
  if (!isLuhnValid(pan))
    return `expected a Luhn-valid KKS card number, found ${maskPan(pan)} whose check digit is wrong`;
  return undefined;
}

/**
 * NIK: PP-KK-CC (province, regency, district of registration), DDMMYY birth date with 40 added
 * to the day for women, then a 4-digit serial (never 0000).
 */
export function checkNik(nik: string): string | undefined {
  if (nik.length !== 16 || !digitsOnly.test(nik)) return `expected a NIK of 16 digits, found ${describeDigits(nik)}`;
  if (!provinceCodes.has(nik.slice(0, 2)))
    return 'expected a NIK starting with a known province code, found an unknown one';
  if (nik.slice(2, 4) === '00' || nik.slice(4, 6) === '00')
    return 'expected a NIK with a regency and district code (not 00), found 00';
  const day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const birthDay = day > 40 ? day - 40 : day;
  if (birthDay < 1 || birthDay > 31 || month < 1 || month > 12)
    return 'expected a NIK with a birth date DDMMYY (day +40 for women) in digits 7-12, found an impossible date';
  if (nik.slice(12) === '0000') return 'expected a NIK serial (digits 13-16) other than 0000';
  return undefined;
}

/** 10-digit village code: province (2), regency (2), district (2), village (4). */
export function checkRegionCode(code: string): string | undefined {
  if (code.length !== 10 || !digitsOnly.test(code))
    return `expected a 10-digit region code (province, regency, district, village), found ${describeDigits(code)}`;
  if (!provinceCodes.has(code.slice(0, 2)))
    return `expected a region code starting with a known province code, found ${code.slice(0, 2)}`;
  if (code.slice(2, 4) === '00' || code.slice(4, 6) === '00' || code.slice(6) === '0000')
    return `expected non-zero regency, district and village parts, found ${code}`;
  return undefined;
}
