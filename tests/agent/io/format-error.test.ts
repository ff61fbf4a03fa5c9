import { describe, expect, it } from 'vitest';
import { decode, encode, type IsoMessage } from '../../../protocol/iso8583/index.ts';
import { formatErrorResponse } from '../../../agent/link/format-error.ts';

const pan = '6013011234567898';

function withdrawal(extra: IsoMessage['fields'] = {}): IsoMessage {
  return {
    tpdu: { destination: 1, source: 0x0101 },
    mti: '0200',
    fields: {
      2: pan,
      3: '010000',
      4: 750_000,
      11: '000003',
      12: '143210',
      13: '1122',
      22: '051',
      24: '001',
      25: '00',
      41: 'EDC00001',
      42: 'AGEN-BRI-000123',
      60: { kind: 'batch', batchNumber: '000007' },
      62: '000003',
      ...extra,
    },
  };
}

/** Replaces the last bytes of an encoded message (field 62's value when it is the last field). */
function withTail(bytes: Uint8Array, tail: string): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy.set(new TextEncoder().encode(tail), copy.length - tail.length);
  return copy;
}

describe('formatErrorResponse()', () => {
  it(
    'answers a 0200 whose invoice number is not 6 digits with a 0210 that follows the echo rule:' +
      ' 24 and 42 echoed, 60 not, 62 the text of 30',
    () => {
      const broken = withTail(encode(withdrawal()), 'ABCDEF');
      expect(() => decode(broken)).toThrow(expect.objectContaining({ code: 'EDC_ERR_ISO_FIELD' }));
      const response = decode(formatErrorResponse(broken)!);
      expect(response.tpdu).toEqual({ destination: 0x0101, source: 1 });
      expect(response.mti).toBe('0210');
      expect(response.fields).toEqual({
        3: '010000',
        4: 750_000,
        11: '000003',
        12: '143210',
        13: '1122',
        24: '001',
        39: '30',
        41: 'EDC00001',
        42: 'AGEN-BRI-000123',
        62: 'Format pesan salah',
      });
    },
  );

  it('leaves 24 out when the request had none', () => {
    const plain = withdrawal();
    delete (plain.fields as Record<number, unknown>)[24];
    const response = decode(formatErrorResponse(withTail(encode(plain), 'ABCDEF'))!);
    expect(response.fields[24]).toBeUndefined();
    expect(response.fields[39]).toBe('30');
  });

  it('sends nothing when the TPDU id is not 60', () => {
    const bytes = encode(withdrawal());
    bytes[0] = 0x61;
    expect(formatErrorResponse(bytes)).toBeUndefined();
  });

  it('sends nothing for a 0400 whose field 60 names an original MTI other than 0200 (0410 requires 60)', () => {
    const reversal: IsoMessage = {
      tpdu: { destination: 1, source: 0x0101 },
      mti: '0400',
      fields: {
        2: pan,
        3: '010000',
        4: 750_000,
        11: '000004',
        12: '143300',
        13: '1122',
        22: '051',
        25: '00',
        41: 'EDC00001',
        42: 'AGEN-BRI-000123',
        60: { kind: 'original', mti: '0200', stan: '000003', localDate: '1122', localTime: '143210' },
      },
    };
    const bytes = encode(reversal);
    const broken = withTail(bytes, '01000000031122143210');
    expect(() => decode(broken)).toThrow(
      expect.objectContaining({
        code: 'EDC_ERR_ISO_FIELD',
        details: expect.objectContaining({ field: 60 }) as unknown,
      }),
    );
    expect(formatErrorResponse(broken)).toBeUndefined();
    expect(formatErrorResponse(withTail(bytes, '02000000031122143210'))).toBeDefined();
  });

  it('answers an 0800 with a trailing byte with an 0810 echoing 7, 11, 41, 70 and carrying 39 = 30', () => {
    const signOn = encode({
      tpdu: { destination: 1, source: 0x0101 },
      mti: '0800',
      fields: { 7: '1122143210', 11: '000001', 41: 'EDC00001', 70: '001' },
    });
    const response = decode(formatErrorResponse(Uint8Array.from([...signOn, 0x00]))!);
    expect(response.mti).toBe('0810');
    expect(response.fields).toEqual({
      7: '1122143210',
      11: '000001',
      39: '30',
      41: 'EDC00001',
      62: 'Format pesan salah',
      70: '001',
    });
  });
});
