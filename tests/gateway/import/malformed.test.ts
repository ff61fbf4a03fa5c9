import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { summarizeImport, parseDisbursements, writeRejectsReport } from '../../../gateway/import/index.ts';
import { briHeader, briLine, good, parseText, textStream } from './helpers.ts';

const bri = { bank: 'BRI', tahap: '2026-IV' } as const;

function file(...lines: string[]): string {
  return `${[briHeader, ...lines].join('\n')}\n`;
}

describe('parseDisbursements() on malformed BRI files', () => {
  it.each([
    ['75O.000', 'bni-v1 style dotted amount with a letter O'],
    ['-5', 'a negative amount'],
    ['1,5', 'a decimal comma'],
    ['750000.50', 'cents'],
    ['0', 'zero'],
    ['', 'an empty field'],
    ['10000001', 'above amountRupiahMax'],
  ])('rejects amount %s (%s) with EDC_ERR_IMPORT_AMOUNT on its line', async (amount) => {
    const quoted = amount.includes(',') ? `"${amount}"` : amount;
    const { rows, rejects } = await parseText(
      file(briLine({ ref: 'R1' }), briLine({ no: '2', amount: quoted, ref: 'R2' })),
      bri,
    );
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[3, 'EDC_ERR_IMPORT_AMOUNT']]);
    expect(rejects[0]!.reason).toMatch(
      /^expected (a positive whole rupiah amount like 750000|an amount of at most 10000000 rupiah), found/,
    );
  });

  it('rejects amounts with wrong thousands grouping in bni-v1', async () => {
    const header =
      'TAHAP;BANK;NO_REKENING_KKS;NAMA_PENERIMA;NIK_PENERIMA;IDKPM;' +
      'KODE_DESA;NILAI_BANTUAN;KETERANGAN;TANGGAL_PROSES;NO_REFERENSI';
    const row = (amount: string, ref: string): string =>
      `2026-IV;BNI;${good.pan};SITI;${good.nik};KPM-0001;${good.region};${amount};SUKSES;15/10/2026;${ref}`;
    const text = [
      header,
      row('75O.000', 'A'),
      row('7500.00', 'B'),
      row('750.000,50', 'C'),
      row('Rp 750.000', 'D'),
      row('750000', 'E'),
    ].join('\r\n');
    const { rows, rejects } = await parseText(text, { bank: 'BNI', tahap: '2026-IV' });
    expect(rows.map((r) => [r.line, r.amount])).toEqual([[5, 750_000]]);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([
      [2, 'EDC_ERR_IMPORT_AMOUNT'],
      [3, 'EDC_ERR_IMPORT_AMOUNT'],
      [4, 'EDC_ERR_IMPORT_AMOUNT'],
      [6, 'EDC_ERR_IMPORT_AMOUNT'],
    ]);
  });

  it('rejects a KKS number whose Luhn digit is wrong, masking it in the reason', async () => {
    const bad = good.pan.slice(0, -1) + '7';
    const { rows, rejects } = await parseText(file(briLine({ pan: bad })), bri);
    expect(rows).toEqual([]);
    expect(rejects).toEqual([
      {
        line: 2,
        code: 'EDC_ERR_IMPORT_PAN',
        reason: 'expected a Luhn-valid KKS card number, found 603298******0037 whose check digit is wrong',
      },
    ]);
    expect(rejects[0]!.reason).not.toContain(bad);
  });

  it('never echoes a NIK in a reason', async () => {
    const badNik = '3201329913937842'; // month 13
    const { rejects } = await parseText(
      file(briLine({ nik: badNik }), briLine({ no: '2', nik: '32013254109378', ref: 'R2' })),
      bri,
    );
    expect(rejects.map((r) => [r.line, r.code])).toEqual([
      [2, 'EDC_ERR_IMPORT_NIK'],
      [3, 'EDC_ERR_IMPORT_NIK'],
    ]);
    expect(rejects[1]!.reason).toBe('expected a NIK of 16 digits, found 14 digits');
    for (const reject of rejects) expect(reject.reason).not.toMatch(/\d{10}/);
  });

  it('reports every bad field of one row, each with its code, on the same line', async () => {
    const { rejects } = await parseText(
      file(briLine({ kpmId: 'kpm 1', region: '9901012001', status: 'LUNAS', date: '2026-02-30', name: '' })),
      bri,
    );
    expect(rejects.map((r) => r.code)).toEqual([
      'EDC_ERR_IMPORT_KPM_ID',
      'EDC_ERR_IMPORT_NAME',
      'EDC_ERR_IMPORT_REGION',
      'EDC_ERR_IMPORT_STATUS',
      'EDC_ERR_IMPORT_DATE',
    ]);
    expect(new Set(rejects.map((r) => r.line))).toEqual(new Set([2]));
    expect(rejects[3]!.reason).toBe(
      'expected a status word among BERHASIL, SUKSES, GAGAL, GAGAL TRANSFER, RETUR, RETUR KAS NEGARA, found "LUNAS"',
    );
  });

  it('rejects the second and later rows with a reference already seen, naming the first line', async () => {
    const { rows, rejects } = await parseText(
      file(
        briLine({ ref: 'R1' }),
        briLine({ no: '2', ref: 'R2' }),
        briLine({ no: '3', ref: 'R1' }),
        briLine({ no: '4', ref: 'R1' }),
      ),
      bri,
    );
    expect(rows.map((r) => r.line)).toEqual([2, 3]);
    expect(rejects).toEqual([
      {
        line: 4,
        code: 'EDC_ERR_IMPORT_DUPLICATE',
        reason: 'expected each reference once in a file, found "R1" again (first on line 2)',
      },
      {
        line: 5,
        code: 'EDC_ERR_IMPORT_DUPLICATE',
        reason: 'expected each reference once in a file, found "R1" again (first on line 2)',
      },
    ]);
  });

  it('strips a UTF-8 BOM and reads CRLF, LF and mixed endings alike', async () => {
    const text =
      `\ufeff${briHeader}\r\n` +
      `${briLine({ ref: 'R1' })}\r\n` +
      `${briLine({ no: '2', ref: 'R2' })}\n` +
      `${briLine({ no: '3', ref: 'R3' })}`;
    const { rows, rejects } = await parseText(text, bri, 7);
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.line, r.reference])).toEqual([
      [2, 'R1'],
      [3, 'R2'],
      [4, 'R3'],
    ]);
  });

  it('keeps commas and doubled quotes inside a quoted name', async () => {
    const { rows, rejects } = await parseText(file(briLine({ name: '"SITI AMINAH, S.PD ""IBU"""' })), bri);
    expect(rejects).toEqual([]);
    expect(rows[0]!.name).toBe('SITI AMINAH, S.PD "IBU"');
  });

  it('skips empty lines and lines of empty fields yet counts them in line numbers', async () => {
    const text = `${briHeader}\n\n${briLine({ ref: 'R1' })}\n,,,,,,,,,\n\r\n${briLine({ no: '2', ref: 'R2' })}\n\n`;
    const { rows, rejects } = await parseText(text, bri);
    expect(rejects).toEqual([]);
    expect(rows.map((r) => r.line)).toEqual([3, 6]);
  });

  it('rejects a truncated last line with EDC_ERR_IMPORT_COLUMN_COUNT and keeps the rows before it', async () => {
    const text = `${briHeader}\n${briLine({ ref: 'R1' })}\n${briLine({ no: '2', ref: 'R2' }).slice(0, 40)}`;
    const { rows, rejects } = await parseText(text, bri);
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[3, 'EDC_ERR_IMPORT_COLUMN_COUNT']]);
    expect(rejects[0]!.reason).toMatch(/^expected 10 fields separated by ",", found 4/);
  });

  it(
    'stops at an unclosed quote with one EDC_ERR_IMPORT_CSV_SYNTAX' + ' reject after delivering the rows before it',
    async () => {
      const text =
        `${briHeader}\n` +
        `${briLine({ ref: 'R1' })}\n` +
        `${briLine({ no: '2', ref: 'R2' })}\n` +
        `${briLine({ no: '3', name: '"SITI', ref: 'R3' })}\n` +
        `${briLine({ no: '4', ref: 'R4' })}\n`;
      const summary = await summarizeImport(parseDisbursements(textStream(text, 5), bri));
      expect(summary).toMatchObject({
        rows: 2,
        rejects: 1,
        aborted: true,
        rejectsByCode: { EDC_ERR_IMPORT_CSV_SYNTAX: 1 },
      });
    },
  );

  it(
    'stops at an overlong record with EDC_ERR_IMPORT_RECORD_TOO_LONG on its line,' + ' after the rows before it',
    async () => {
      const text = file(
        briLine({ ref: 'R1' }),
        briLine({ no: '2', ref: 'R2' }),
        briLine({ no: '3', name: 'A'.repeat(5000), ref: 'R3' }),
        briLine({ no: '4', ref: 'R4' }),
      );
      const { rows, rejects } = await parseText(text, bri);
      expect(rows.map((r) => r.line)).toEqual([2, 3]);
      expect(rejects).toEqual([
        {
          line: 4,
          code: 'EDC_ERR_IMPORT_RECORD_TOO_LONG',
          reason: 'expected a record of at most 4096 characters, found a longer one; nothing after it was read',
        },
      ]);
    },
  );

  it('reports an unclosed quote at the line where its record starts, naming where it was detected', async () => {
    const text = file(
      briLine({ ref: 'R1' }),
      briLine({ no: '2', ref: 'R2', name: '"SITI' }),
      briLine({ no: '3', ref: 'R3' }),
      briLine({ no: '4', ref: 'R4', name: '"AGUS ""UCOK"""' }),
    );
    const { rows, rejects } = await parseText(text, bri, 7);
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 3, code: 'EDC_ERR_IMPORT_CSV_SYNTAX' });
    expect(rejects[0]!.reason).toContain('detected at line 5');
  });

  it('stops after rowsMax data rows with EDC_ERR_IMPORT_TOO_MANY_ROWS', async () => {
    const text = file(briLine({ ref: 'R1' }), briLine({ no: '2', ref: 'R2' }), briLine({ no: '3', ref: 'R3' }));
    const { rows, rejects } = await parseText(text, { ...bri, limits: { rowsMax: 2 } });
    expect(rows).toHaveLength(2);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[4, 'EDC_ERR_IMPORT_TOO_MANY_ROWS']]);
  });

  it('rejects a row whose bank or tahap column disagrees with the import', async () => {
    const header = 'bank|tahap|reference|kpm_id|nik|card_number|name|region_code|amount|status|value_date';
    const row = (bank: string, tahap: string, ref: string): string =>
      `${bank}|${tahap}|${ref}|KPM-0001|${good.nik}|${good.pan}|SITI|${good.region}|750000|CREDITED|20261015`;
    const { rows, rejects } = await parseText(
      [header, row('BTN', '2026-IV', 'A'), row('MANDIRI', '2026-III', 'B'), row('mandiri', '2026-iv', 'C')].join('\n'),
      { bank: 'MANDIRI', tahap: '2026-IV' },
    );
    expect(rows.map((r) => r.reference)).toEqual(['C']);
    expect(rejects).toEqual([
      { line: 2, code: 'EDC_ERR_IMPORT_BANK_MISMATCH', reason: `expected bank MANDIRI (the import's), found "BTN"` },
      {
        line: 3,
        code: 'EDC_ERR_IMPORT_TAHAP_MISMATCH',
        reason: `expected tahap 2026-IV (the import's), found "2026-III"`,
      },
    ]);
  });

  it("rejects a credited or failed row dated outside its tahap's quarter, a returned one dated before it", async () => {
    const rows = [
      briLine({ no: '1', ref: 'IN', date: '2026-10-01' }),
      briLine({ no: '2', ref: 'LAST', date: '2026-12-31', status: 'GAGAL' }),
      briLine({ no: '3', ref: 'BEFORE', date: '2026-09-30' }),
      briLine({ no: '4', ref: 'AFTER', date: '2027-01-01', status: 'GAGAL' }),
      briLine({ no: '5', ref: 'RET-LATE', date: '2027-06-30', status: 'RETUR' }),
      briLine({ no: '6', ref: 'RET-EARLY', date: '2026-07-15', status: 'RETUR' }),
    ];
    const { rows: ok, rejects } = await parseText(file(...rows), bri);
    expect(ok.map((r) => r.reference)).toEqual(['IN', 'LAST', 'RET-LATE']);
    expect(rejects).toEqual([
      {
        line: 4,
        code: 'EDC_ERR_IMPORT_TAHAP_MISMATCH',
        reason: 'expected a date in tahap 2026-IV (2026-10-01 to 2026-12-31), found 2026-09-30',
      },
      {
        line: 5,
        code: 'EDC_ERR_IMPORT_TAHAP_MISMATCH',
        reason: 'expected a date in tahap 2026-IV (2026-10-01 to 2026-12-31), found 2027-01-01',
      },
      {
        line: 7,
        code: 'EDC_ERR_IMPORT_TAHAP_MISMATCH',
        reason: 'expected a returned row dated on or after the start of tahap 2026-IV (2026-10-01), found 2026-07-15',
      },
    ]);
    const graced = await parseText(file(...rows), { ...bri, dateGraceDays: 1 });
    expect(graced.rows.map((r) => r.reference)).toEqual(['IN', 'LAST', 'AFTER', 'RET-LATE']);
    expect(graced.rejects[0]?.reason).toBe(
      'expected a date in tahap 2026-IV (2026-10-01 to 2026-12-31, or up to 1 day after), found 2026-09-30',
    );
  });

  it('delivers a record with a quoted line break at the line where it starts', async () => {
    const text = file(briLine({ name: '"SITI\nRAHAYU"', ref: 'R1' }), briLine({ no: '2', ref: 'R2' }));
    const { rows, rejects } = await parseText(text, bri);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[2, 'EDC_ERR_IMPORT_NAME']]);
    expect(rows.map((r) => r.line)).toEqual([4]);
  });
});

describe('writeRejectsReport()', () => {
  it('writes line,code,reason CSV with RFC 4180 quoting and CRLF, readable back field for field', async () => {
    const { rejects } = await parseText(
      file(briLine({ amount: '"1,5"' }), briLine({ no: '2', ref: 'BRI2026IV-0000000001' })),
      bri,
    );
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const count = await writeRejectsReport(rejects, out);
    expect(count).toBe(2);
    expect(text).toBe(
      'line,code,reason\r\n' +
        '2,EDC_ERR_IMPORT_AMOUNT,"expected a positive whole rupiah amount like 750000, found ""1,5"""\r\n' +
        '3,EDC_ERR_IMPORT_DUPLICATE,"expected each reference once in a file,' +
        ' found ""BRI2026IV-0000000001"" again (first on line 2)"\r\n',
    );
  });
});
