import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import {
  briV1,
  builtinLayouts,
  defaultLayoutByBank,
  loadLayoutFile,
  parseDisbursements,
  type Bank,
} from '../../../gateway/import/index.ts';
import { briHeader, briLine, parseText, textStream } from './helpers.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'gateway', 'import', 'README.md'), 'utf8');

function readmeSample(layoutId: string): string {
  const section = readme.slice(readme.indexOf(`### ${layoutId}`));
  const match = /```\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error(`no sample for ${layoutId}`);
  return match[1]!;
}

const sampleBank: Record<string, Bank> = { 'bri-v1': 'BRI', 'bni-v1': 'BNI', 'generic-v1': 'MANDIRI' };

describe('built-in layouts', () => {
  for (const id of builtinLayouts.keys()) {
    it(`${id} parses its README sample with no reject`, async () => {
      const sample = readmeSample(id);
      const { rows, rejects } = await parseText(sample, { bank: sampleBank[id]!, tahap: '2026-IV', layout: id });
      expect(rejects).toEqual([]);
      expect(rows.length).toBe(sample.trim().split('\n').length - 1);
      expect(rows[0]!.line).toBe(2);
      expect(rows[0]!.kpmId).toBe('KPM-0000000004');
      expect(rows[0]!.amount).toBe(1_125_000);
    });
  }

  it('bni-v1 reads Rp-prefixed dotted amounts, the ,00 cent part and its status words', async () => {
    const { rows, rejects } = await parseText(readmeSample('bni-v1').replace('Rp 750.000', '750.000,00'), {
      bank: 'BNI',
      tahap: '2026-IV',
    });
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.amount, r.status])).toEqual([
      [1_125_000, 'credited'],
      [750_000, 'returned'],
    ]);
    expect(rows[0]!.name).toBe('NUR SETIAWAN, S.PD');
  });

  it('maps each bank to its documented default layout', () => {
    expect(defaultLayoutByBank).toEqual({ BRI: 'bri-v1', BNI: 'bni-v1', BTN: 'generic-v1', MANDIRI: 'generic-v1' });
  });

  it('accepts the header columns in another order and another case', async () => {
    const header = 'id_kpm,NO,NIK,NAMA,NO_KKS,KODE_WILAYAH,NOMINAL,STATUS,REF_TRANSAKSI,TGL_SALUR';
    const line = briLine().split(',');
    [line[0], line[1]] = [line[1]!, line[0]!];
    const { rows, rejects } = await parseText(`${header}\n${line.join(',')}\n`, { bank: 'BRI', tahap: '2026-IV' });
    expect(rejects).toEqual([]);
    expect(rows[0]!.kpmId).toBe('KPM-0000000004');
  });

  it('answers a missing and an unexpected column with one HEADER reject on line 1 and no rows', async () => {
    const header = briHeader.replace('NOMINAL', 'JUMLAH');
    const { rows, rejects } = await parseText(`${header}\n${briLine()}\n${briLine({ no: '2', ref: 'R2' })}\n`, {
      bank: 'BRI',
      tahap: '2026-IV',
    });
    expect(rows).toEqual([]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 1, code: 'EDC_ERR_IMPORT_HEADER' });
    expect(rejects[0]!.reason).toContain('missing "NOMINAL"');
    expect(rejects[0]!.reason).toContain('unexpected "JUMLAH"');
  });

  it('answers a BNI file read with the BRI layout with a HEADER reject', async () => {
    const { rows, rejects } = await parseText(readmeSample('bni-v1'), { bank: 'BRI', tahap: '2026-IV' });
    expect(rows).toEqual([]);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[1, 'EDC_ERR_IMPORT_HEADER']]);
  });

  it('answers an empty file with a HEADER reject', async () => {
    const { rejects } = await parseText('', { bank: 'BRI', tahap: '2026-IV' });
    expect(rejects).toEqual([
      { line: 1, code: 'EDC_ERR_IMPORT_HEADER', reason: 'expected the bri-v1 header on line 1, found an empty file' },
    ]);
  });

  it('refuses an unknown layout id, bank or tahap at the call with a coded error', () => {
    expect(() => parseDisbursements(textStream(''), { bank: 'BRI', tahap: '2026-IV', layout: 'bri-v9' })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_IMPORT_LAYOUT' }),
    );
    expect(() => parseDisbursements(textStream(''), { bank: 'BCA' as Bank, tahap: '2026-IV' })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_IMPORT_OPTIONS' }),
    );
    expect(() => parseDisbursements(textStream(''), { bank: 'BRI', tahap: '2026-V' })).toThrow(
      /expected a tahap such as 2026-IV, found "2026-V"/,
    );
    expect(() => parseDisbursements(textStream(''), { bank: 'BRI', tahap: '2026-IV', limits: { rowsMax: 0 } })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_IMPORT_OPTIONS' }),
    );
  });
});

describe('loadLayoutFile()', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edc-layout-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const btnV2 = {
    id: 'btn-v2',
    delimiter: '\t',
    header: ['NO', 'IDKPM', 'NIK', 'NAMA', 'NOKARTU', 'KDWIL', 'JUMLAH', 'STATUS', 'NOREF', 'TGL'],
    columns: {
      rowNumber: 'NO',
      kpmId: 'IDKPM',
      nik: 'NIK',
      name: 'NAMA',
      pan: 'NOKARTU',
      regionCode: 'KDWIL',
      amount: 'JUMLAH',
      status: 'STATUS',
      reference: 'NOREF',
      date: 'TGL',
    },
    amountFormat: 'id-thousands',
    dateFormat: 'DD-MM-YYYY',
    statusWords: { credited: ['SUKSES'], failed: ['GAGAL'], returned: ['RETUR'] },
  };

  it('loads a valid layout file and parses a tab-separated file with it', async () => {
    const path = join(dir, 'btn-v2.json');
    await writeFile(path, JSON.stringify(btnV2));
    const layout = await loadLayoutFile(path);
    const text =
      `${btnV2.header.join('\t')}\n` +
      '1\tKPM-0001\t3201325410937842\tSITI, S.PD\t6032980000000036\t3201322016\t1.500.000\tgagal\tN-1\t31-12-2026\n';
    const { rows, rejects } = await parseText(text, { bank: 'BTN', tahap: '2026-IV', layout });
    expect(rejects).toEqual([]);
    expect(rows[0]).toMatchObject({
      name: 'SITI, S.PD',
      amount: 1_500_000,
      status: 'failed',
      bank: 'BTN',
      reference: 'N-1',
    });
  });

  it('names each offending key of an invalid layout file', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(
      path,
      JSON.stringify({
        ...btnV2,
        delimiter: '#',
        columns: { ...btnV2.columns, nik: '' },
        statusWords: { credited: ['OK'], failed: ['OK'], returned: ['RETUR'] },
        extra: 1,
      }),
    );
    const error = await loadLayoutFile(path).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isEdcError(error, 'EDC_ERR_IMPORT_LAYOUT')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('delimiter: expected a delimiter');
    expect(message).toContain('columns.nik: expected a column name, found an empty string');
    expect(message).toMatch(/extra/);
  });

  it('refuses a file that is not JSON, and a missing file, with EDC_ERR_IMPORT_LAYOUT', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{ "id": ');
    await expect(loadLayoutFile(path)).rejects.toMatchObject({
      code: 'EDC_ERR_IMPORT_LAYOUT',
      message: expect.stringContaining('expected JSON'),
    });
    await expect(loadLayoutFile(join(dir, 'absent.json'))).rejects.toMatchObject({ code: 'EDC_ERR_IMPORT_LAYOUT' });
  });

  it('refuses a layout whose mapped column is missing from its header', () => {
    expect(() =>
      parseDisbursements(textStream(''), {
        bank: 'BRI',
        tahap: '2026-IV',
        layout: { ...briV1, header: briV1.header.filter((h) => h !== 'NIK') },
      }),
    ).toThrow(/columns\.nik: expected NIK to be in header/);
  });
});
