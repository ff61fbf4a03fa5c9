/**
 * Every CSV the gateway writes (the import's rejects report, the staff export, `report --format
 * csv`) is RFC 4180 (CRLF after each record) and neutralises formula cells, held by reading the
 * files back with csv-parse, as a spreadsheet or a bank's script would.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { csvRecords } from '../../gateway/http/csv.ts';
import { writeRejectsReport } from '../../gateway/import/index.ts';
import { briHeader, briLine } from './import/helpers.ts';

let dir: string;
let gw: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    errIsTty: false,
    now: () => 1_800_000_000_000,
  };
  return { code: await runCli(argv, io), out, err };
}

/** Each record ends in exactly CRLF: no bare LF, no LF before the CR. */
function expectCrlfRecords(text: string): void {
  expect(text).not.toContain('\n\r\n');
  expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  expect(text.endsWith('\r\n')).toBe(true);
}

function readBack(text: string): string[][] {
  const records: string[][] = parse(text);
  return records;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-csv-'));
  gw = join(dir, 'gw');
  expect((await cli('init', '--dir', gw)).code).toBe(0);
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('CSV written by the gateway', () => {
  it('the rejects report of `import disbursements` reads back as one record per reject, CRLF-terminated', async () => {
    const file = join(dir, 'bri-rejects.csv');
    const lines = [
      briHeader,
      briLine({ no: '1', ref: 'R1' }),
      briLine({ no: '2', ref: 'R2', amount: '"1,5"' }),
      briLine({ no: '3', ref: 'R3', nik: '12' }),
      briLine({ no: '4', ref: 'R4', kpmId: 'KPM-0000000009', status: 'ENTAH' }),
    ];
    await writeFile(file, lines.join('\n') + '\n');
    const rejects = join(dir, 'rejects.csv');
    const res = await cli(
      'import',
      'disbursements',
      file,
      '--dir',
      gw,
      '--bank',
      'BRI',
      '--tahap',
      '2026-IV',
      '--rejects',
      rejects,
    );
    expect(res.code, res.err).toBe(0);
    const text = await readFile(rejects, 'utf8');
    expectCrlfRecords(text);
    const records = readBack(text);
    expect(records[0]).toEqual(['line', 'code', 'reason']);
    expect(records.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['3', 'EDC_ERR_IMPORT_AMOUNT'],
      ['4', 'EDC_ERR_IMPORT_NIK'],
      ['5', 'EDC_ERR_IMPORT_STATUS'],
    ]);
    expect(records.every((r) => r.every((f) => f !== ''))).toBe(true);
  });

  it('writeRejectsReport() writes CRLF records and neutralises a reason that starts like a formula', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const count = await writeRejectsReport(
      [
        { line: 2, code: 'EDC_ERR_IMPORT_NAME', reason: '=HYPERLINK("http://x","y")' },
        { line: 3, code: 'EDC_ERR_IMPORT_AMOUNT', reason: 'expected a positive whole rupiah amount, found "1,5"' },
      ],
      out,
    );
    expect(count).toBe(2);
    expectCrlfRecords(text);
    expect(readBack(text)).toEqual([
      ['line', 'code', 'reason'],
      ['2', 'EDC_ERR_IMPORT_NAME', `'=HYPERLINK("http://x","y")`],
      ['3', 'EDC_ERR_IMPORT_AMOUNT', 'expected a positive whole rupiah amount, found "1,5"'],
    ]);
  });

  it('csvRecords() (staff export, report) quotes what needs it and neutralises = + - @ cells, not numbers', () => {
    const text = csvRecords([
      ['kpmId', 'note', 'amount'],
      ['KPM-0001', '=1+1', -5],
      ['KPM-0002', '+62 812', 750_000],
      ['KPM-0003', '-cmd', 0],
      ['KPM-0004', '@SUM(A1)', 1],
      ['KPM-0005', 'a "quoted", line\nbreak', 2],
    ]);
    expectCrlfRecords(text.replace('line\nbreak', 'line break'));
    expect(readBack(text)).toEqual([
      ['kpmId', 'note', 'amount'],
      ['KPM-0001', `'=1+1`, '-5'],
      ['KPM-0002', `'+62 812`, '750000'],
      ['KPM-0003', `'-cmd`, '0'],
      ['KPM-0004', `'@SUM(A1)`, '1'],
      ['KPM-0005', 'a "quoted", line\nbreak', '2'],
    ]);
  });

  it('`report --format csv` reads back as section,key,value records, CRLF-terminated', async () => {
    const res = await cli('report', '--dir', gw, '--tahap', '2026-IV', '--format', 'csv');
    expect(res.code, res.err).toBe(0);
    expectCrlfRecords(res.out);
    const records = readBack(res.out);
    expect(records[0]).toEqual(['section', 'key', 'value']);
    expect(records).toContainEqual(['summary', 'balanced', 'true']);
    expect(records).toContainEqual(['summary', 'disbursed', '750000']);
  });
});
