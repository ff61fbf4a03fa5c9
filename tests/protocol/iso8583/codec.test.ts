import { describe, expect, it } from 'vitest';
import { decode, encode, mtis, responseMti, swapTpdu } from '../../../protocol/iso8583/index.ts';
import { fromHex, hex, pan, samples, withFields } from './samples.ts';

describe('encode() and decode() round-trip every MTI', () => {
  for (const mti of mtis) {
    it(`decode(encode(m)) returns the same ${mti}`, () => {
      const message = samples[mti];
      expect(decode(encode(message))).toEqual(message);
    });
  }

  it('decode() accepts a Buffer and returns plain Uint8Array field values', () => {
    const decoded = decode(Buffer.from(encode(samples['0200'])));
    expect(decoded.fields[55]).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded.fields[55])).toBe(false);
  });

  it('encode() treats a field set to undefined as absent', () => {
    const message = withFields(samples['0200'], { 62: undefined });
    expect(hex(encode(message))).toBe(
      hex(
        encode({ ...message, fields: Object.fromEntries(Object.entries(message.fields).filter(([k]) => k !== '62')) }),
      ),
    );
  });
});

describe('message layout', () => {
  it('starts with the TPDU 0x60, destination and source, then the MTI as 2 BCD bytes', () => {
    const bytes = encode(samples['0200']);
    expect(hex(bytes.subarray(0, 7))).toBe('6000010101' + '0200');
  });

  it('sends only the primary bitmap when no field above 64 is present', () => {
    const bytes = encode(samples['0200']);
    expect(bytes[7]! & 0x80).toBe(0);
    // 0200 sample: fields 2 3 4 | 11 12 13 14 | 22 24 | 25 | 35 | 41 42 | 55 | 60 62
    expect(hex(bytes.subarray(7, 15))).toBe('703c058020c00214');
  });

  it('sends a secondary bitmap with bit 1 set when field 70 is present (0800)', () => {
    const bytes = encode(samples['0800']);
    expect(hex(bytes.subarray(7, 23))).toBe('8220010000c00000' + '0400000000000000');
  });

  it('swapTpdu() swaps destination and source for the response', () => {
    expect(swapTpdu({ destination: 0x0001, source: 0x0101 })).toEqual({ destination: 0x0101, source: 0x0001 });
    expect(swapTpdu(samples['0200'].tpdu)).toEqual(samples['0210'].tpdu);
  });

  it('responseMti() answers each request MTI with function digit 1', () => {
    expect(['0100', '0200', '0400', '0500', '0800'].map((m) => responseMti(m as '0100'))).toEqual([
      '0110',
      '0210',
      '0410',
      '0510',
      '0810',
    ]);
  });
});

/** Encodes `sample` with one field changed and returns that field's bytes (prefix + body). */
function fieldBytes(bytes: Uint8Array, before: string, after: string): string {
  const text = hex(bytes);
  const start = text.indexOf(before) + before.length;
  return text.slice(start, after === '' ? undefined : text.indexOf(after, start));
}

describe('field formats', () => {
  it('packs the PAN as LLVAR BCD: digit count then digits, odd counts left-padded with a 0 nibble', () => {
    const even = encode(withFields(samples['0200'], { 2: pan }));
    expect(hex(even)).toContain('16' + pan);
    const odd = encode(withFields(samples['0200'], { 2: '601301123456789' }));
    expect(hex(odd)).toContain('15' + '0601301123456789');
    expect(decode(odd).fields[2]).toBe('601301123456789');
  });

  it('packs the amount as n12 BCD integer rupiah', () => {
    const bytes = encode(withFields(samples['0200'], { 4: 1_250_000 }));
    expect(hex(bytes)).toContain('010000' + '000001250000');
    expect(decode(bytes).fields[4]).toBe(1_250_000);
  });

  it('packs n3 fields (POS entry mode) in 2 bytes with a leading 0 nibble', () => {
    expect(hex(encode(samples['0200']))).toContain('1122' + '2812' + '0051' + '0001' + '00');
  });

  it('packs track 2 as nibbles with 0xD as separator, the LL prefix counting nibbles', () => {
    const track2 = `${pan}D2812220000000000`;
    expect(hex(encode(samples['0200']))).toContain('33' + '0' + track2.toLowerCase());
  });

  it('writes an, ans fields as ASCII and binary fields as raw bytes', () => {
    const bytes = encode(samples['0210']);
    expect(hex(bytes)).toContain(Buffer.from('000000000003' + 'A00003' + '00').toString('hex'));
    expect(hex(bytes)).toContain(Buffer.from('EDC00001AGEN-BRI-000123').toString('hex'));
    const pinBlock = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(hex(encode(withFields(samples['0200'], { 52: pinBlock })))).toContain(
      Buffer.from('AGEN-BRI-000123').toString('hex') + '0102030405060708',
    );
  });

  it('writes LLLVAR prefixes as 2 BCD bytes counting bytes (field 55, 62)', () => {
    const bytes = encode(samples['0200']);
    expect(fieldBytes(bytes, Buffer.from('AGEN-BRI-000123').toString('hex'), '')).toMatch(
      /^0010820239009f34030403020006303030303037/,
    );
  });

  it('lays out field 54 as 20-character blocks with sign C or D', () => {
    const bytes = encode(
      withFields(samples['0110'], { 54: [{ accountType: '00', amountType: '02', currency: '360', amount: -5 }] }),
    );
    expect(hex(bytes)).toContain('0020' + Buffer.from('0002360D000000000005').toString('hex'));
    expect(decode(bytes).fields[54]).toEqual([{ accountType: '00', amountType: '02', currency: '360', amount: -5 }]);
  });

  it('lays out field 60 of a 0400 as original MTI, STAN, local date and time', () => {
    expect(hex(encode(samples['0400']))).toContain('0020' + Buffer.from('02000000031122143210').toString('hex'));
  });

  it('lays out field 63 of a 0500 as counts n4 and amounts n12', () => {
    expect(hex(encode(samples['0500']))).toContain(
      '0032' + Buffer.from('00120000090000000001000000750000').toString('hex'),
    );
  });

  it('decodes a hand-written 0800 echo test', () => {
    const bytes = fromHex(
      '6000010101' +
        '0800' +
        '8220000000800000' +
        '0400000000000000' +
        '1122073000' +
        '000009' +
        Buffer.from('EDC00001').toString('hex') +
        '0301',
    );
    expect(decode(bytes)).toEqual({
      tpdu: { destination: 1, source: 0x0101 },
      mti: '0800',
      fields: { 7: '1122073000', 11: '000009', 41: 'EDC00001', 70: '301' },
    });
  });
});
