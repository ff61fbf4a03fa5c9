import { describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import { cardPinCvmResults, cardPinResult, decodeTlv, encodeTlv, findTlv } from '../../../protocol/iso8583/index.ts';
import { fromHex, hex } from './samples.ts';

function tlvErrorReason(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    if (isEdcError(error, 'EDC_ERR_ISO_TLV')) return error.details.reason;
    throw error;
  }
  throw new Error('expected EDC_ERR_ISO_TLV');
}

describe('encodeTlv() and decodeTlv()', () => {
  it('reads 1- and 2-byte tags with short-form lengths', () => {
    expect(decodeTlv(fromHex('82023900' + '9f3403040302'))).toEqual([
      { tag: '82', value: Uint8Array.of(0x39, 0x00) },
      { tag: '9F34', value: Uint8Array.of(0x04, 0x03, 0x02) },
    ]);
  });

  it('writes lengths in the shortest form: 1 byte below 128, 0x81 to 255, 0x82 above', () => {
    expect(hex(encodeTlv([{ tag: '9F10', value: new Uint8Array(127) }])).slice(0, 6)).toBe('9f107f');
    expect(hex(encodeTlv([{ tag: '9F10', value: new Uint8Array(128) }])).slice(0, 8)).toBe('9f108180');
    expect(hex(encodeTlv([{ tag: '9F10', value: new Uint8Array(256) }])).slice(0, 10)).toBe('9f10820100');
    expect(decodeTlv(encodeTlv([{ tag: '9F10', value: new Uint8Array(300).fill(7) }]))[0]!.value.length).toBe(300);
  });

  it("returns a constructed tag's value unparsed", () => {
    expect(decodeTlv(fromHex('7003820100'))).toEqual([{ tag: '70', value: fromHex('820100') }]);
  });

  it('refuses malformed TLV with EDC_ERR_ISO_TLV and a reason', () => {
    expect(tlvErrorReason(() => decodeTlv(fromHex('9f')))).toBe('truncated');
    expect(tlvErrorReason(() => decodeTlv(fromHex('9f34')))).toBe('truncated');
    expect(tlvErrorReason(() => decodeTlv(fromHex('9f340402')))).toBe('truncated');
    expect(tlvErrorReason(() => decodeTlv(fromHex('9f8101' + '00')))).toBe('tag');
    expect(tlvErrorReason(() => decodeTlv(fromHex('00')))).toBe('tag');
    expect(tlvErrorReason(() => decodeTlv(fromHex('9f3483000001')))).toBe('length');
    expect(tlvErrorReason(() => decodeTlv(fromHex('9f34817f' + '00'.repeat(127))))).toBe('length');
    expect(tlvErrorReason(() => encodeTlv([{ tag: '9f34', value: new Uint8Array() }]))).toBe('tag');
    expect(tlvErrorReason(() => encodeTlv([{ tag: '9F', value: new Uint8Array() }]))).toBe('tag');
    expect(tlvErrorReason(() => encodeTlv([{ tag: '9F34', value: new Uint8Array(0x10000) }]))).toBe('value');
  });

  it('findTlv() refuses a tag that occurs twice', () => {
    const items = decodeTlv(fromHex('9f3403040302' + '9f3403040301'));
    expect(tlvErrorReason(() => findTlv(items, '9F34'))).toBe('duplicate');
  });
});

describe('cardPinResult() reads tag 9F34 CVM Results', () => {
  const field55 = (cvm: string) => fromHex('82023900' + '9f3403' + cvm);

  it("is 'verified' for an offline PIN (plaintext 01 or enciphered 04) with result 02", () => {
    expect(cardPinResult(field55('010302'))).toBe('verified');
    expect(cardPinResult(field55('040302'))).toBe('verified');
    expect(cardPinResult(field55('440302'))).toBe('verified'); // "apply next rule" bit ignored
    expect(cardPinResult(encodeTlv([cardPinCvmResults('plaintext', 'verified')]))).toBe('verified');
  });

  it("is 'failed' for an offline PIN with result 01", () => {
    expect(cardPinResult(field55('040301'))).toBe('failed');
    expect(cardPinResult(encodeTlv([cardPinCvmResults('enciphered', 'failed')]))).toBe('failed');
  });

  it("is 'absent' without field 55, without 9F34, for other CVMs, or an unknown result", () => {
    expect(cardPinResult(undefined)).toBe('absent');
    expect(cardPinResult(fromHex('82023900'))).toBe('absent');
    expect(cardPinResult(field55('020302'))).toBe('absent'); // online PIN: not checked by the card
    expect(cardPinResult(field55('1e0302'))).toBe('absent'); // signature
    expect(cardPinResult(field55('3f0000'))).toBe('absent'); // no CVM performed
    expect(cardPinResult(field55('040300'))).toBe('absent');
  });

  it('refuses a 9F34 of the wrong length, an undefined result byte, or malformed TLV', () => {
    expect(tlvErrorReason(() => cardPinResult(fromHex('9f34020403')))).toBe('length');
    expect(tlvErrorReason(() => cardPinResult(field55('040307')))).toBe('result');
    expect(tlvErrorReason(() => cardPinResult(fromHex('9f3405')))).toBe('truncated');
  });
});
