/**
 * PAN helpers. KKS card numbers carry a Luhn check digit (ISO/IEC 7812-1), so a mistyped or
 * corrupted number is caught before any look-up; receipts show only the first 6 (the issuer
 * BIN) and last 4 digits.
 */
import { ERR_ISO_FIELD } from './errors.ts';

export const panDigitsMin = 12;
export const panDigitsMax = 19;

/** Luhn sum over digits, doubling every second digit from the right (starting with the last
 * when `withCheckDigit` is false, i.e. the check digit is still to be appended). */
function luhnSum(digits: string, withCheckDigit: boolean): number {
  let sum = 0;
  for (let i = digits.length - 1, double = !withCheckDigit; i >= 0; i--, double = !double) {
    let digit = digits.charCodeAt(i) - 0x30;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum;
}

/** True when `pan` is 12..19 digits and its last digit is the Luhn check digit. */
export function isLuhnValid(pan: string): boolean {
  if (typeof pan !== 'string' || pan.length < panDigitsMin || pan.length > panDigitsMax || !/^[0-9]+$/.test(pan))
    return false;
  return luhnSum(pan, true) % 10 === 0;
}

/** The digit that makes `partial` + digit Luhn-valid (for simulators building KKS numbers). */
export function luhnCheckDigit(partial: string): string {
  if (typeof partial !== 'string' || !/^[0-9]{1,18}$/.test(partial)) {
    throw new ERR_ISO_FIELD('Cannot compute Luhn check digit: expected 1..18 digits', {
      field: 2,
      reason: 'charset',
    });
  }
  return String((10 - (luhnSum(partial, false) % 10)) % 10);
}

/** "6013011234567890" -> "601301******7890"; refuses anything but 12..19 digits. */
export function maskPan(pan: string): string {
  if (typeof pan !== 'string' || pan.length < panDigitsMin || pan.length > panDigitsMax || !/^[0-9]+$/.test(pan)) {
    throw new ERR_ISO_FIELD(`Cannot mask PAN: expected ${panDigitsMin}..${panDigitsMax} digits`, {
      field: 2,
      reason: 'format',
    });
  }
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}
