/**
 * `edc-gateway import disbursements` as an operator meets it: a file that is not what the flags
 * say (another bank's layout, another tahap) or that cannot be read to its end is refused whole
 * (exit 1, one coded line, nothing stored); row rejects leave the rest imported, say so, and a
 * re-import of the fixed file adds exactly the fixed rows.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { importDisbursementsFile } from '../../gateway/cli/import-disbursements.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import { generatePopulation, writeDisbursementFile } from '../../simulators/bank/index.ts';
import type { Bank } from '../../gateway/import/types.ts';

let dir: string;
const population = generatePopulation({ seed: 11, size: 40, banks: ['BRI', 'MANDIRI'] });
const now = 1_800_000_000_000;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTty: false, now: () => now };
  return { code: await runCli(argv, io), out, err };
}

async function bankFile(name: string, bank: Bank, tahap: string): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  await writeDisbursementFile(population, { bank, tahap, seed: 5, failedRate: 0.1 }, out);
  out.end();
  await finished(out);
  return path;
}

async function newGateway(name: string): Promise<string> {
  const gw = join(dir, name);
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  return gw;
}

/** What the store holds: imported files and the tahap's disbursed total. */
async function stored(gw: string, tahap: string): Promise<{ files: number; disbursed: number }> {
  const { store } = await openGateway(gw);
  try {
    return {
      files: (await store.importedFiles(undefined)).length,
      disbursed: (await store.summary(tahap, {})).disbursed ?? 0,
    };
  } finally {
    await store.close();
  }
}

const importArgs = (file: string, gw: string, bank: string, tahap: string, ...more: string[]) => [
  'import',
  'disbursements',
  file,
  '--dir',
  gw,
  '--bank',
  bank,
  '--tahap',
  tahap,
  ...more,
];

function expectOneCodedLine(err: string, code: string): void {
  expect(err.split('\n').filter((l) => l !== '')).toHaveLength(1);
  expect(err).toContain(`${code}: `);
  expect(err).toContain('tidak ada baris yang disimpan / Import refused, no row stored');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-import-'));
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('edc-gateway import disbursements refuses a file that is not what the flags say', () => {
  it('a BRI file imported with --bank BNI: EDC_ERR_IMPORT_HEADER, exit 1, nothing stored', async () => {
    const gw = await newGateway('gw-header');
    const file = await bankFile('bri-iv.csv', 'BRI', '2026-IV');
    const res = await cli(...importArgs(file, gw, 'BNI', '2026-IV'));
    expect(res).toMatchObject({ code: 1, out: '' });
    expectOneCodedLine(res.err, 'EDC_ERR_IMPORT_HEADER');
    expect(res.err).toContain('bni-v1');
    expect(await stored(gw, '2026-IV')).toEqual({ files: 0, disbursed: 0 });
  });

  it('a 2026-III BRI file imported as 2026-IV (its dates say July): EDC_ERR_IMPORT_TAHAP_MISMATCH', async () => {
    const gw = await newGateway('gw-date');
    const file = await bankFile('bri-iii.csv', 'BRI', '2026-III');
    const res = await cli(...importArgs(file, gw, 'BRI', '2026-IV'));
    expect(res).toMatchObject({ code: 1, out: '' });
    expectOneCodedLine(res.err, 'EDC_ERR_IMPORT_TAHAP_MISMATCH');
    expect(res.err).toMatch(/\b2026-07-\d\d\b/);
    expect(await stored(gw, '2026-IV')).toEqual({ files: 0, disbursed: 0 });
    expect((await cli(...importArgs(file, gw, 'BRI', '2026-III'))).code).toBe(0);
  });

  it('a MANDIRI file of 2026-IV imported as 2026-III, or as BTN: the tahap or bank column refuses it', async () => {
    const gw = await newGateway('gw-columns');
    const file = await bankFile('mandiri-iv.csv', 'MANDIRI', '2026-IV');
    const tahap = await cli(...importArgs(file, gw, 'MANDIRI', '2026-III'));
    expect(tahap.code).toBe(1);
    expectOneCodedLine(tahap.err, 'EDC_ERR_IMPORT_TAHAP_MISMATCH');
    const bank = await cli(...importArgs(file, gw, 'BTN', '2026-IV'));
    expect(bank.code).toBe(1);
    expectOneCodedLine(bank.err, 'EDC_ERR_IMPORT_BANK_MISMATCH');
    expect(await stored(gw, '2026-IV')).toEqual({ files: 0, disbursed: 0 });
  });
});

describe('edc-gateway import disbursements refuses a file it cannot read to its end', () => {
  it('CSV_SYNTAX after good rows: exit 1, the good rows are not applied, the reject is reported', async () => {
    const gw = await newGateway('gw-syntax');
    const good = await readFile(await bankFile('bri-good.csv', 'BRI', '2026-IV'), 'utf8');
    const lines = good.trimEnd().split('\n');
    const broken = [...lines.slice(0, 6), lines[6]!.replace(',', ',"unclosed'), ...lines.slice(7)].join('\n') + '\n';
    const file = join(dir, 'bri-broken.csv');
    await writeFile(file, broken);
    const rejects = join(dir, 'broken-rejects.csv');
    const res = await cli(...importArgs(file, gw, 'BRI', '2026-IV', '--rejects', rejects));
    expect(res.code).toBe(1);
    expectOneCodedLine(res.err, 'EDC_ERR_IMPORT_CSV_SYNTAX');
    expect(res.err).toContain('line 7');
    expect(await stored(gw, '2026-IV')).toEqual({ files: 0, disbursed: 0 });
    const report: string[][] = parse(await readFile(rejects, 'utf8'));
    expect(report.slice(1).map((r) => [r[0], r[1]])).toEqual([['7', 'EDC_ERR_IMPORT_CSV_SYNTAX']]);
    // The bank's fixed file goes in whole.
    const fixed = await cli(...importArgs(join(dir, 'bri-good.csv'), gw, 'BRI', '2026-IV'));
    expect(fixed.code, fixed.err).toBe(0);
    expect(JSON.parse(fixed.out)).toMatchObject({ accepted: lines.length - 1, rejected: 0 });
  });

  it('RECORD_TOO_LONG: exit 1, nothing stored', async () => {
    const gw = await newGateway('gw-long');
    const good = await readFile(await bankFile('bri-long-src.csv', 'BRI', '2026-IV'), 'utf8');
    const lines = good.trimEnd().split('\n');
    lines[3] = lines[3]!.replace(/,[A-Z ]+,/, `,${'A'.repeat(5000)},`);
    const file = join(dir, 'bri-long.csv');
    await writeFile(file, lines.join('\n') + '\n');
    const res = await cli(...importArgs(file, gw, 'BRI', '2026-IV'));
    expect(res.code).toBe(1);
    expectOneCodedLine(res.err, 'EDC_ERR_IMPORT_RECORD_TOO_LONG');
    expect(await stored(gw, '2026-IV')).toEqual({ files: 0, disbursed: 0 });
  });

  it('TOO_MANY_ROWS (rowsMax lowered): refused whole, nothing stored', async () => {
    const gw = await newGateway('gw-rows');
    const file = await bankFile('bri-rows.csv', 'BRI', '2026-IV');
    const { store } = await openGateway(gw);
    try {
      const io: CliIo = { out: () => undefined, err: () => undefined, errIsTty: false, now: () => now };
      await expect(
        importDisbursementsFile(store, file, { bank: 'BRI', tahap: '2026-IV', limits: { rowsMax: 3 } }, io),
      ).rejects.toMatchObject({ code: 'EDC_ERR_IMPORT_TOO_MANY_ROWS' });
      expect(await store.importedFiles(undefined)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('edc-gateway import disbursements with row rejects', () => {
  it('imports the other rows, says so, and a re-import of the fixed file adds exactly the fixed rows', async () => {
    const gw = await newGateway('gw-partial');
    const good = await readFile(await bankFile('bri-src.csv', 'BRI', '2026-IV'), 'utf8');
    const lines = good.trimEnd().split('\n');
    const bad = [...lines];
    bad[2] = bad[2]!.replace(/,[0-9]{10},/, ',12,');
    bad[5] = bad[5]!.replace(/,[0-9]{16},/, ',1234,');
    const file = join(dir, 'bri-partial.csv');
    await writeFile(file, bad.join('\n') + '\n');
    const first = await cli(...importArgs(file, gw, 'BRI', '2026-IV'));
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ accepted: lines.length - 3, rejected: 2, duplicates: 0 });
    expect(first.err).toContain('2 baris ditolak');
    expect(first.err).toContain('2 rows rejected');
    const fixedFile = join(dir, 'bri-fixed.csv');
    await writeFile(fixedFile, good);
    const fixed = await cli(...importArgs(fixedFile, gw, 'BRI', '2026-IV'));
    expect(JSON.parse(fixed.out)).toMatchObject({ accepted: 2, duplicates: lines.length - 3, rejected: 0 });
    const again = await cli(...importArgs(fixedFile, gw, 'BRI', '2026-IV'));
    expect(JSON.parse(again.out)).toMatchObject({ accepted: 0, duplicates: lines.length - 1, rejected: 0 });
    expect(again.err).toBe('');
  });

  it('--date-grace-days lets a late credit in; without it the file is refused', async () => {
    const gw = await newGateway('gw-grace');
    const good = await readFile(await bankFile('bri-late-src.csv', 'BRI', '2026-IV'), 'utf8');
    const file = join(dir, 'bri-late.csv');
    await writeFile(file, good.replace(/,2026-10-(\d\d)\n/, ',2027-01-10\n'));
    expect((await cli(...importArgs(file, gw, 'BRI', '2026-IV'))).code).toBe(1);
    const graced = await cli(...importArgs(file, gw, 'BRI', '2026-IV', '--date-grace-days', '10'));
    expect(graced.code, graced.err).toBe(0);
    expect((await cli(...importArgs(file, gw, 'BRI', '2026-IV', '--date-grace-days', '400'))).code).toBe(2);
  });
});
