import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDisbursements } from '../../../gateway/import/index.ts';
import { Readable } from 'node:stream';
import { runSimCli } from '../../../simulators/cli.ts';
import type { Io } from '../../../simulators/cli/io.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-sim-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sim(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), stopped: () => Promise.resolve() };
  const status = await runSimCli(argv, io);
  return { status, out, err };
}

describe('edc-sim command line', () => {
  it.each([
    ['terminal'],
    ['bank'],
    ['bank', 'population'],
    ['bank', 'disbursements'],
    ['bank', 'cards'],
    ['signal'],
    ['modem'],
    ['rig'],
    ['demo'],
  ])('%s %s --help prints usage and exits 0', async (...command) => {
    const result = await sim(...command.filter((c) => c !== undefined), '--help');
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/^edc-sim /);
  });

  it('--version prints the package version; bank with no subcommand lists them (exit 2)', async () => {
    const version = await sim('--version');
    expect(version).toEqual({ status: 0, out: 'edc-sim 0.1.0\n', err: '' });
    const bank = await sim('bank');
    expect(bank.status).toBe(2);
    expect(bank.err).toContain('edc-sim bank cards --seed S --size N');
  });

  it('bank cards writes the KPM ids, card numbers and PINs of one bank, and the ids file for agents add', async () => {
    const out = join(dir, 'bri-cards.csv');
    const ids = join(dir, 'bri-kpm.txt');
    const result = await sim(
      'bank',
      'cards',
      '--seed',
      '1',
      '--size',
      '40',
      '--bank',
      'BRI',
      '--out',
      out,
      '--kpm-ids',
      ids,
    );
    expect(result.status).toBe(0);
    const rows = (await readFile(out, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('kpm_id,bank,region_code,pan,pin,rupiah_per_tahap');
    // Seed 1: the population's 9th KPM is the first of BRI (the README's walkthrough uses it).
    expect(rows[1]).toBe('KPM-0000000009,BRI,1671112024,6032980000000085,691999,1350000');
    expect(rows.slice(1).every((row) => /^KPM-[0-9]{10},BRI,[0-9]{10},[0-9]{16,19},[0-9]{6},[0-9]+$/.test(row))).toBe(
      true,
    );
    expect((await readFile(ids, 'utf8')).trim().split('\n')).toEqual(rows.slice(1).map((row) => row.split(',')[0]));
    const population = join(dir, 'kpm.jsonl');
    await sim('bank', 'population', '--seed', '1', '--size', '40', '--out', population);
    const bri = (await readFile(population, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kpmId: string; bank: string; pan: string; pin: string })
      .filter((kpm) => kpm.bank === 'BRI');
    expect(bri.map((k) => `${k.kpmId},${k.pan},${k.pin}`)).toEqual(
      rows
        .slice(1)
        .map((row) => row.split(','))
        .map((c) => `${c[0]},${c[3]},${c[4]}`),
    );
  });

  it('bank cards refuses an existing --kpm-ids file before writing the cards file (exit 1)', async () => {
    const out = join(dir, 'cards.csv');
    const ids = join(dir, 'ids.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(ids, 'keep\n'));
    const result = await sim('bank', 'cards', '--seed', '1', '--size', '10', '--out', out, '--kpm-ids', ids);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_OUTPUT: Cannot write .*ids\.txt: expected no file there/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    expect(await readFile(ids, 'utf8')).toBe('keep\n');
  });

  it.each([
    [['rig', '--agents', 'two']],
    [['rig', '--bogus']],
    [['rig', '--preset', 'huge']],
    [['bank', 'population', '--seed', '1', '--size', '10']],
    [['bank', 'disbursements', '--seed', '1', '--size', '10', '--bank', 'BCA', '--tahap', '2026-IV', '--out', 'x']],
    [['signal', '--target', 'http://127.0.0.1:1', '--drop', '1.5']],
    [['terminal', '--tcp', 'nohost']],
    [['terminal']],
    [['fly']],
  ])('bad flags %j print one coded line and exit 2', async (argv) => {
    const result = await sim(...argv);
    expect(result.status).toBe(2);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_USAGE: [^\n]+\n$/);
  });

  it('bank population writes one JSON line per KPM with a Luhn-valid card', async () => {
    const out = join(dir, 'kpm.jsonl');
    const result = await sim('bank', 'population', '--seed', '4', '--size', '25', '--out', out);
    expect(result).toMatchObject({ status: 0, out: '', err: '25 KPM written\n' });
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kpmId: string; pan: string; rupiahPerTahap: number });
    expect(lines).toHaveLength(25);
    expect(new Set(lines.map((l) => l.kpmId)).size).toBe(25);
    expect(lines.every((l) => /^[0-9]{16,19}$/.test(l.pan) && l.rupiahPerTahap > 0)).toBe(true);
  });

  it('bank disbursements writes a file the gateway import accepts row for row', async () => {
    const out = join(dir, 'bri.csv');
    const result = await sim(
      'bank',
      'disbursements',
      '--seed',
      '4',
      '--size',
      '200',
      '--bank',
      'BRI',
      '--tahap',
      '2026-IV',
      '--failed-rate',
      '0.1',
      '--out',
      out,
    );
    expect(result).toMatchObject({ status: 0, out: '' });
    expect(result.err).toMatch(/^[0-9]+ rows written for BRI 2026-IV\n$/);
    let ok = 0;
    let rejected = 0;
    let failed = 0;
    for await (const item of parseDisbursements(Readable.from([await readFile(out)]), {
      bank: 'BRI',
      tahap: '2026-IV',
    })) {
      if (item.ok) {
        ok++;
        if (item.row.status === 'failed') failed++;
      } else rejected++;
    }
    expect(rejected).toBe(0);
    expect(ok).toBeGreaterThan(20);
    expect(failed).toBeGreaterThan(0);
  });

  it('bank disbursements refuses to overwrite an existing file with a coded error (exit 1)', async () => {
    const out = join(dir, 'twice.csv');
    await sim(
      'bank',
      'disbursements',
      '--seed',
      '1',
      '--size',
      '10',
      '--bank',
      'BNI',
      '--tahap',
      '2026-IV',
      '--out',
      out,
    );
    const again = await sim(
      'bank',
      'disbursements',
      '--seed',
      '1',
      '--size',
      '10',
      '--bank',
      'BNI',
      '--tahap',
      '2026-IV',
      '--out',
      out,
    );
    expect(again.status).toBe(1);
    expect(again.err).toMatch(/^edc-sim: EDC_ERR_SIM_OUTPUT: /);
  });

  it('terminal --script with a malformed scenario is refused with EDC_ERR_SIM_CONFIG before connecting', async () => {
    const script = join(dir, 'bad.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(script, JSON.stringify({ v: 1, steps: [{ kind: 'withdraw', pan: '12', pin: '1234', amount: 5 }] })),
    );
    const result = await sim('terminal', '--tcp', '127.0.0.1:9', '--script', script);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_CONFIG: .*steps\.0\.pan/);
  });
});
