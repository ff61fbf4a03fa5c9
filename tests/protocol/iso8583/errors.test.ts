import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import { decode, encode, isoErrors, validateMessage } from '../../../protocol/iso8583/index.ts';
import { fromHex, hex, samples, withFields } from './samples.ts';

/** Runs `run` and returns the coded error it throws (failing the test when it does not). */
function caught(run: () => unknown): { code: string; details: Record<string, unknown>; message: string } {
  try {
    run();
  } catch (error) {
    if (!isEdcError(error)) throw error;
    return { code: error.code, details: { ...error.details }, message: error.message };
  }
  throw new Error('expected a coded error, none was thrown');
}

const valid0200 = hex(encode(samples['0200']));
const decodeHex = (text: string) => () => decode(fromHex(text));

describe('isoErrors registry', () => {
  it('every constructor has a code EDC_ERR_ISO_* and a description', () => {
    for (const ctor of Object.values(isoErrors)) {
      expect(ctor.code).toMatch(/^EDC_ERR_ISO_[A-Z_]+$/);
      expect(ctor.description.length).toBeGreaterThan(10);
    }
  });

  it('the wire spec lists exactly the codes the registry defines', () => {
    const spec = readFileSync(resolve(import.meta.dirname, '../../../protocol/README.md'), 'utf8');
    const documented = new Set(spec.match(/EDC_ERR_ISO_[A-Z_]+/g));
    expect([...documented].sort()).toEqual(
      Object.values(isoErrors)
        .map((ctor) => ctor.code)
        .sort(),
    );
  });
});

describe('decode() refuses malformed bytes with a coded error', () => {
  it('EDC_ERR_ISO_TRUNCATED naming the field being read', () => {
    expect(caught(decodeHex(valid0200.slice(0, 60)))).toMatchObject({
      code: 'EDC_ERR_ISO_TRUNCATED',
      details: { field: 4, needed: 6, available: 3 },
    });
    expect(caught(decodeHex('6000')).details).toMatchObject({ part: 'tpdu' });
    expect(caught(decodeHex('60000101010200703c')).details).toMatchObject({ part: 'bitmap' });
  });

  it('EDC_ERR_ISO_TRAILING for bytes after the last field', () => {
    expect(caught(decodeHex(valid0200 + '00'))).toMatchObject({
      code: 'EDC_ERR_ISO_TRAILING',
      details: { trailing: 1 },
    });
  });

  it('EDC_ERR_ISO_TPDU when the first byte is not 0x60', () => {
    expect(caught(decodeHex('61' + valid0200.slice(2))).code).toBe('EDC_ERR_ISO_TPDU');
  });

  it('EDC_ERR_ISO_MTI for a well-formed but unsupported MTI', () => {
    expect(caught(decodeHex(valid0200.slice(0, 10) + '0220' + valid0200.slice(14)))).toMatchObject({
      code: 'EDC_ERR_ISO_MTI',
      details: { mti: '0220' },
    });
  });

  it('EDC_ERR_ISO_BCD for an MTI nibble above 9', () => {
    expect(caught(decodeHex(valid0200.slice(0, 10) + '02a0' + valid0200.slice(14)))).toMatchObject({
      code: 'EDC_ERR_ISO_BCD',
      details: { part: 'mti' },
    });
  });

  it('EDC_ERR_ISO_FIELD_UNKNOWN for a bitmap bit of an undefined field', () => {
    // Set bit 5 (field 5) in the primary bitmap.
    const text = valid0200.slice(0, 14) + '78' + valid0200.slice(16);
    expect(caught(decodeHex(text))).toMatchObject({ code: 'EDC_ERR_ISO_FIELD_UNKNOWN', details: { field: 5 } });
  });

  it('EDC_ERR_ISO_BITMAP when bit 1 announces an empty secondary bitmap', () => {
    const text = valid0200.slice(0, 14) + 'f03c058020c00214' + '0000000000000000' + valid0200.slice(30);
    expect(caught(decodeHex(text)).code).toBe('EDC_ERR_ISO_BITMAP');
  });

  it('EDC_ERR_ISO_BCD naming the field for a digit nibble above 9', () => {
    // Field 3 follows the PAN: 15 bytes in (TPDU 5 + MTI 2 + bitmap 8), LL 1, PAN 8.
    const at = (15 + 1 + 8) * 2;
    expect(caught(decodeHex(valid0200.slice(0, at) + 'a1' + valid0200.slice(at + 2)))).toMatchObject({
      code: 'EDC_ERR_ISO_BCD',
      details: { field: 3 },
    });
  });

  it('EDC_ERR_ISO_BCD for a non-zero pad nibble of an odd-length field', () => {
    const text = hex(encode(withFields(samples['0200'], { 2: '601301123456789' })));
    const at = text.indexOf('150601301123456789') + 2;
    expect(caught(decodeHex(text.slice(0, at) + 'f' + text.slice(at + 1)))).toMatchObject({
      code: 'EDC_ERR_ISO_BCD',
      details: { field: 2 },
    });
  });

  it('EDC_ERR_ISO_LENGTH for a length prefix that is not BCD or out of bounds', () => {
    const at = 15 * 2;
    expect(caught(decodeHex(valid0200.slice(0, at) + '1a' + valid0200.slice(at + 2)))).toMatchObject({
      code: 'EDC_ERR_ISO_LENGTH',
      details: { field: 2, reason: 'not BCD' },
    });
    expect(caught(decodeHex(valid0200.slice(0, at) + '20' + valid0200.slice(at + 2)))).toMatchObject({
      code: 'EDC_ERR_ISO_LENGTH',
      details: { field: 2, length: 20 },
    });
    expect(caught(decodeHex(valid0200.slice(0, at) + '11' + valid0200.slice(at + 2)))).toMatchObject({
      code: 'EDC_ERR_ISO_LENGTH',
      details: { field: 2, length: 11 },
    });
  });

  it('EDC_ERR_ISO_FIELD naming the field for a value that breaks its format', () => {
    const local = valid0200.indexOf('1432101122');
    const badTime = valid0200.slice(0, local) + '2532101122' + valid0200.slice(local + 10);
    expect(caught(decodeHex(badTime))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD',
      details: { field: 12, reason: 'time' },
    });
    const badDate = valid0200.slice(0, local) + '1432101322' + valid0200.slice(local + 10);
    expect(caught(decodeHex(badDate))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD',
      details: { field: 13, reason: 'date' },
    });
    const terminalHex = Buffer.from('EDC00001').toString('hex');
    const badTerminal = valid0200.replace(terminalHex, '0a' + terminalHex.slice(2));
    expect(caught(decodeHex(badTerminal))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD',
      details: { field: 41, reason: 'charset' },
    });
  });

  it('EDC_ERR_ISO_FIELD for an unknown response code in field 39', () => {
    const text = hex(encode(samples['0210'])).replace(
      Buffer.from('A0000300').toString('hex'),
      Buffer.from('A0000399').toString('hex'),
    );
    expect(caught(decodeHex(text))).toMatchObject({ code: 'EDC_ERR_ISO_FIELD', details: { field: 39 } });
  });

  it('EDC_ERR_ISO_TLV naming field 55 for malformed ICC data', () => {
    const text = valid0200.replace('0010820239009f3403040302', '0010820239009f3404040302');
    expect(caught(decodeHex(text))).toMatchObject({ code: 'EDC_ERR_ISO_TLV', details: { field: 55 } });
  });

  it('EDC_ERR_ISO_FIELD_MISSING and _NOT_ALLOWED after a structurally valid read', () => {
    const terminal = Buffer.from('EDC00001').toString('hex');
    // 0800 echo without field 11 (bitmap bits 1, 7, 41 | 70).
    const noStan = '6000010101' + '0800' + '8200000000800000' + '0400000000000000' + '1122073000' + terminal + '0301';
    expect(caught(decodeHex(noStan))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD_MISSING',
      details: { mti: '0800', field: 11 },
    });
    // 0800 echo with an amount (bit 4).
    const withAmount =
      '6000010101' +
      '0800' +
      '9220000000800000' +
      '0400000000000000' +
      '000000001000' +
      '1122073000' +
      '000009' +
      terminal +
      '0301';
    expect(caught(decodeHex(withAmount))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD_NOT_ALLOWED',
      details: { mti: '0800', field: 4 },
    });
  });

  it('EDC_ERR_ISO_INTERNAL when given something that is not bytes', () => {
    expect(caught(() => decode('6000' as unknown as Uint8Array)).code).toBe('EDC_ERR_ISO_INTERNAL');
  });
});

describe('encode() and validateMessage() refuse invalid messages with a coded error', () => {
  it('EDC_ERR_ISO_FIELD_MISSING naming the MTI and field', () => {
    expect(caught(() => encode(withFields(samples['0200'], { 4: undefined })))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD_MISSING',
      details: { mti: '0200', field: 4 },
    });
  });

  it('EDC_ERR_ISO_FIELD_MISSING for RRN and auth id of an approved 0210, not of a declined one', () => {
    const approved = withFields(samples['0210'], { 38: undefined });
    expect(caught(() => validateMessage(approved)).details).toEqual({ mti: '0210', field: 38 });
    expect(() =>
      validateMessage(withFields(samples['0210'], { 37: undefined, 38: undefined, 39: '51' })),
    ).not.toThrow();
  });

  it('EDC_ERR_ISO_FIELD_NOT_ALLOWED for a field outside the MTI', () => {
    expect(caught(() => encode(withFields(samples['0800'], { 4: 1000 })))).toMatchObject({
      code: 'EDC_ERR_ISO_FIELD_NOT_ALLOWED',
      details: { mti: '0800', field: 4 },
    });
  });

  it('EDC_ERR_ISO_FIELD_UNKNOWN for a field key this subset does not define', () => {
    expect(caught(() => encode(withFields(samples['0200'], { 5: '1' }))).details).toEqual({ field: '5' });
  });

  it('EDC_ERR_ISO_FIELD for non-digits, wrong lengths, unsafe amounts and bad layouts', () => {
    const cases: Array<[Record<number, unknown>, number, string]> = [
      [{ 11: '00012A' }, 11, 'charset'],
      [{ 11: '0001' }, 11, 'length'],
      [{ 4: 1.5 }, 4, 'amount'],
      [{ 4: 1_000_000_000_000 }, 4, 'amount'],
      [{ 4: '750000' }, 4, 'amount'],
      [{ 3: '310000' }, 3, 'transaction type'],
      [{ 14: '2813' }, 14, 'date'],
      [{ 35: '6013011234567898=2812220000000000' }, 35, 'charset'],
      [{ 35: '6013011234567898D2813220000000000' }, 35, 'layout'],
      [{ 41: 'EDC0001' }, 41, 'length'],
      [{ 52: 'not bytes' }, 52, 'type'],
      [{ 60: { kind: 'original', mti: '0200', stan: '000001', localDate: '1122', localTime: '101010' } }, 60, 'kind'],
      [{ 60: { kind: 'batch', batchNumber: '7' } }, 60, 'batch number'],
      [{ 60: { kind: 'batch', batchNumber: '000007', extra: 1 } }, 60, 'unexpected key'],
      [{ 62: 'INV-01' }, 62, 'invoice number'],
    ];
    for (const [change, field, reason] of cases) {
      expect(caught(() => encode(withFields(samples['0200'], change)))).toMatchObject({
        code: 'EDC_ERR_ISO_FIELD',
        details: { field, reason },
      });
    }
  });

  it('EDC_ERR_ISO_FIELD for malformed fields 54 and 63', () => {
    const block = { accountType: '00', amountType: '02', currency: 'IDR', amount: 5 };
    expect(caught(() => encode(withFields(samples['0110'], { 54: [block] }))).details).toMatchObject({
      field: 54,
      reason: 'currency',
    });
    expect(caught(() => encode(withFields(samples['0110'], { 54: [] }))).details).toMatchObject({
      field: 54,
      reason: 'blocks',
    });
    const totals = { withdrawalCount: 10_000, withdrawalAmount: 0, reversalCount: 0, reversalAmount: 0 };
    expect(caught(() => encode(withFields(samples['0500'], { 63: totals }))).details).toMatchObject({
      field: 63,
      reason: 'withdrawal count',
    });
  });

  it('EDC_ERR_ISO_TPDU and EDC_ERR_ISO_MTI for a bad header', () => {
    expect(caught(() => encode({ ...samples['0200'], tpdu: { destination: 0x10000, source: 0 } })).code).toBe(
      'EDC_ERR_ISO_TPDU',
    );
    expect(caught(() => encode({ ...samples['0200'], mti: '0220' as '0200' })).code).toBe('EDC_ERR_ISO_MTI');
  });

  it('error messages say what was expected and what was found', () => {
    expect(caught(() => encode(withFields(samples['0200'], { 41: 'EDC0001' }))).message).toBe(
      'Cannot accept field 41 (card acceptor terminal id): expected length 8, found 7',
    );
  });
});
