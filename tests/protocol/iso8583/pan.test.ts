import { describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import { isLuhnValid, luhnCheckDigit, maskPan } from '../../../protocol/iso8583/index.ts';

describe('isLuhnValid()', () => {
  it('accepts well-known Luhn-valid numbers and rejects a changed digit', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('79927398713')).toBe(false); // valid Luhn but only 11 digits: not a PAN
    expect(isLuhnValid('6011000990139424')).toBe(true);
    expect(isLuhnValid('6011000990139425')).toBe(false);
  });

  it('refuses non-digits and lengths outside 12..19', () => {
    expect(isLuhnValid('4111 1111 1111 1111')).toBe(false);
    expect(isLuhnValid('41111111111')).toBe(false);
    expect(isLuhnValid('4'.repeat(20))).toBe(false);
  });

  it('luhnCheckDigit() completes a number to a Luhn-valid one', () => {
    expect(luhnCheckDigit('411111111111111')).toBe('1');
    expect(luhnCheckDigit('7992739871')).toBe('3');
    expect(() => luhnCheckDigit('12a')).toThrow(/Luhn/);
  });
});

describe('maskPan()', () => {
  it('keeps the first 6 and last 4 digits for the receipt', () => {
    expect(maskPan('6013011234567898')).toBe('601301******7898');
    expect(maskPan('601301123456')).toBe('601301**3456');
    expect(maskPan('6013011234567898765')).toBe('601301*********8765');
  });

  it('refuses anything that is not a 12..19 digit PAN with EDC_ERR_ISO_FIELD', () => {
    for (const bad of ['60130112345', '6013011234567898D', '6'.repeat(20)]) {
      try {
        maskPan(bad);
        throw new Error('expected a coded error');
      } catch (error) {
        expect(isEdcError(error, 'EDC_ERR_ISO_FIELD')).toBe(true);
      }
    }
  });
});
