import { describe, expect, it } from 'vitest';
import { kpmIdPattern } from '../../../protocol/ids.ts';
import { parseDisbursementBatches, parseDisbursements } from '../../../gateway/import/index.ts';
import { briHeader, briLine, textStream } from './helpers.ts';

async function items(text: string, chunkChars: number) {
  const options = { bank: 'BRI', tahap: '2026-IV' } as const;
  const flat = [];
  for await (const item of parseDisbursements(textStream(text, chunkChars), options)) flat.push(item);
  const batches = [];
  for await (const batch of parseDisbursementBatches(textStream(text, chunkChars), options)) batches.push(batch);
  return { flat, batches };
}

describe('parseDisbursementBatches()', () => {
  it('gives the items of parseDisbursements in the same order, in non-empty arrays, up to a fatal reject', async () => {
    const lines = [briHeader];
    for (let i = 1; i <= 60; i++) lines.push(briLine({ no: String(i), ref: `REF-${i}` }));
    lines.push(briLine({ no: '61', ref: 'REF-3' })); // duplicate reference: a row reject
    lines.push(briLine({ no: '62', nik: '12' })); // bad NIK: a row reject
    lines.push('1,"unclosed'); // CSV syntax: fatal, nothing after it is read
    lines.push(briLine({ no: '63', ref: 'REF-63' }));
    const text = lines.join('\n') + '\n';
    for (const chunkChars of [17, 256, 1 << 16]) {
      const { flat, batches } = await items(text, chunkChars);
      expect(batches.every((b) => b.length > 0)).toBe(true);
      expect(batches.flat()).toEqual(flat);
      expect(flat.filter((i) => i.ok)).toHaveLength(60);
      const codes = flat.flatMap((i) => (i.ok ? [] : [i.reject.code]));
      expect(codes).toEqual(['EDC_ERR_IMPORT_DUPLICATE', 'EDC_ERR_IMPORT_NIK', 'EDC_ERR_IMPORT_CSV_SYNTAX']);
    }
  });
});

describe('kpmIdPattern (one pattern for protocol KpmId, bank rows and struk proofs)', () => {
  it('accepts 4-32 of A-Z, 0-9 and -, not starting with -, and nothing else', () => {
    for (const s of ['KPM-0000000001', 'ABCD', 'A'.repeat(32), '1---']) expect(kpmIdPattern.test(s), s).toBe(true);
    const refused = ['ABC', '-ABC', 'A'.repeat(33), 'kpm-1234', 'KPM 1234', 'KPM-1234\n', '', 'Ä123', 'KPM_1234'];
    for (const s of refused) expect(kpmIdPattern.test(s), s).toBe(false);
  });
});
