import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  builtinLayouts,
  importErrors,
  luhnCheckDigit,
  type Bank,
  type LayoutSpec,
} from '../../../gateway/import/index.ts';
import type { DisbursementRecord } from '../../../simulators/bank/index.ts';
import { disbursementRecords, generatePopulation, writeRecords } from '../../../simulators/bank/index.ts';
import { parseText } from './helpers.ts';

const layouts = [...builtinLayouts.values()];
const banks: Bank[] = ['BRI', 'BNI', 'BTN', 'MANDIRI'];
const codes: ReadonlySet<string> = new Set(Object.values(importErrors).map((ctor) => ctor.code));

async function written(
  records: Iterable<DisbursementRecord>,
  layout: LayoutSpec,
  format: { lineEnding: '\n' | '\r\n'; bom: boolean },
): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeRecords(records, layout, out, format);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

const digits = (n: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
const twoDigits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((v) => String(v).padStart(2, '0'));
const province = fc.constantFrom('11', '32', '35', '51', '73', '94');
const nik = fc
  .tuple(
    province,
    twoDigits(1, 99),
    twoDigits(1, 99),
    fc.integer({ min: 1, max: 31 }),
    fc.boolean(),
    twoDigits(1, 12),
    digits(2),
    fc.integer({ min: 1, max: 9999 }),
  )
  .map(
    ([p, r, d, day, female, month, year, serial]) =>
      `${p}${r}${d}${String(day + (female ? 40 : 0)).padStart(2, '0')}` +
      `${month}${year}${String(serial).padStart(4, '0')}`,
  );
const pan = fc
  .integer({ min: 15, max: 18 })
  .chain((length) => digits(length).map((body) => `6${body.slice(1)}${luhnCheckDigit(`6${body.slice(1)}`)}`));
const region = fc
  .tuple(province, twoDigits(1, 99), twoDigits(1, 99), fc.integer({ min: 1001, max: 2999 }))
  .map(([p, r, d, v]) => `${p}${r}${d}${v}`);
// Names with every character that can break naive CSV handling: all delimiters, quotes, apostrophes, non-ASCII letters.
const nameChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ abcz.,;|"\'-ÉéÑñ'.split(''));
const name = fc
  .array(nameChar, { minLength: 1, maxLength: 40 })
  .map((c) => c.join('').trim())
  .filter((n) => n.length > 0);
const kpmId = fc
  .tuple(
    fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')),
    fc.array(fc.constantFrom(...'ABCZ0189-'.split('')), { minLength: 3, maxLength: 31 }),
  )
  .map(([h, t]) => h + t.join(''));

const quarterFirstMonth: Record<string, number> = { I: 1, II: 4, III: 7, IV: 10 };

function recordArb(bank: Bank, tahap: string): fc.Arbitrary<Omit<DisbursementRecord, 'line' | 'reference'>> {
  return fc.record({
    tahap: fc.constant(tahap),
    bank: fc.constant(bank),
    kpmId,
    nik,
    pan,
    name,
    regionCode: region,
    amount: fc.integer({ min: 1, max: 10_000_000 }),
    status: fc.constantFrom('credited' as const, 'failed' as const, 'returned' as const),
    // Any day of the tahap's quarter (a date outside it is a tahap mismatch).
    date: fc.record({
      year: fc.constant(Number(tahap.slice(0, 4))),
      month: fc.integer({ min: 0, max: 2 }).map((m) => quarterFirstMonth[tahap.slice(5)]! + m),
      day: fc.integer({ min: 1, max: 28 }),
    }),
  });
}

describe('parseDisbursements() round trip', () => {
  it('reads back exactly the rows written, in any layout, line ending and BOM', async () => {
    const scenario = fc
      .record({
        layout: fc.constantFrom(...layouts),
        bank: fc.constantFrom(...banks),
        lineEnding: fc.constantFrom('\n' as const, '\r\n' as const),
        bom: fc.boolean(),
      })
      .chain((s) => fc.record({ s: fc.constant(s), rows: fc.array(recordArb(s.bank, '2026-II'), { maxLength: 30 }) }));
    await fc.assert(
      fc.asyncProperty(scenario, async ({ s, rows }) => {
        const records: DisbursementRecord[] = rows.map((row, i) => ({ ...row, line: i + 2, reference: `REF/${i}` }));
        const text = await written(records, s.layout, s);
        const parsed = await parseText(text, { bank: s.bank, tahap: '2026-II', layout: s.layout }, 97);
        expect(parsed.rejects).toEqual([]);
        expect(parsed.rows).toEqual(records.map(({ date: _date, ...row }) => row));
      }),
      { numRuns: 150 },
    );
  });

  it('reads back a generated population written in any layout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(...layouts),
        fc.constantFrom(...banks),
        async (seed, size, layout, bank) => {
          const population = generatePopulation({ seed, size });
          const options = { bank, tahap: '2027-III', layout, seed, failedRate: 0.2, returnedRate: 0.1 };
          const records = [...disbursementRecords(population, options)];
          const parsed = await parseText(await written(records, layout, { lineEnding: '\n', bom: false }), {
            bank,
            tahap: '2027-III',
            layout,
          });
          expect(parsed.rejects).toEqual([]);
          expect(parsed.rows).toEqual(records.map(({ date: _date, ...row }) => row));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('parseDisbursements() on garbage', () => {
  // Bytes biased towards the characters that steer a CSV parser.
  const byte = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(...[',', ';', '|', '"', '\n', '\r', '0', '9', 'A'].map((c) => c.charCodeAt(0))),
  );
  it('never throws and answers only with coded rejects with line numbers, with or without a valid header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...layouts),
        fc.boolean(),
        fc.array(byte, { maxLength: 600 }),
        fc.integer({ min: 1, max: 64 }),
        async (layout, withHeader, bytes, chunk) => {
          const head = withHeader ? Buffer.from(`${layout.header.join(layout.delimiter)}\n`) : Buffer.alloc(0);
          const parsed = await parseText(
            Buffer.concat([head, Buffer.from(bytes)]),
            { bank: 'BRI', tahap: '2026-IV', layout, limits: { recordCharsMax: 200 } },
            chunk,
          );
          for (const reject of parsed.rejects) {
            expect(codes.has(reject.code)).toBe(true);
            expect(Number.isSafeInteger(reject.line) && reject.line >= 1).toBe(true);
            expect(reject.reason).toMatch(/^expected /);
          }
          for (const row of parsed.rows) expect(row.amount).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
