import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { builtinLayouts, summarizeImport, parseDisbursements, type Bank } from '../../../gateway/import/index.ts';
import {
  generatePopulation,
  iteratePopulation,
  writeDisbursementFile,
  type DisbursementFileOptions,
  type Kpm,
} from '../../../simulators/bank/index.ts';
import { parseText } from '../../gateway/import/helpers.ts';

async function fileText(population: Iterable<Kpm>, options: DisbursementFileOptions): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeDisbursementFile(population, options, out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

const population = generatePopulation({ seed: 11, size: 2000 });

describe('writeDisbursementFile()', () => {
  it('writes the same bytes for the same seed, and other statuses for another seed', async () => {
    const options = { bank: 'BRI', tahap: '2026-IV', seed: 3, failedRate: 0.1, returnedRate: 0.05 } as const;
    const first = await fileText(population, options);
    expect(await fileText(generatePopulation({ seed: 11, size: 2000 }), options)).toBe(first);
    expect(await fileText(population, { ...options, seed: 4 })).not.toBe(first);
  });

  for (const layout of builtinLayouts.keys()) {
    for (const bank of ['BRI', 'BNI', 'BTN', 'MANDIRI'] as Bank[]) {
      it(`writes a ${bank} file in ${layout} that the gateway imports with zero rejects`, async () => {
        const text = await fileText(population, {
          bank,
          tahap: '2026-III',
          layout,
          seed: 8,
          failedRate: 0.05,
          returnedRate: 0.02,
          lineEnding: '\r\n',
          bom: true,
        });
        const { rows, rejects } = await parseText(text, { bank, tahap: '2026-III', layout });
        const members = population.filter((k) => k.bank === bank);
        expect(rejects).toEqual([]);
        expect(rows.map((r) => r.kpmId)).toEqual(members.map((k) => k.kpmId));
        expect(rows.map((r) => r.amount)).toEqual(members.map((k) => k.rupiahPerTahap));
        expect(rows.map((r) => r.pan)).toEqual(members.map((k) => k.card.pan));
      });
    }
  }

  it('marks about failedRate of the rows gagal transfer and returnedRate retur', async () => {
    const text = await fileText(iteratePopulation({ seed: 1, size: 20_000, banks: ['BNI'] }), {
      bank: 'BNI',
      tahap: '2026-I',
      seed: 1,
      failedRate: 0.1,
      returnedRate: 0.05,
    });
    const summary = await summarizeImport(
      parseDisbursements(PassThrough.from([text]), { bank: 'BNI', tahap: '2026-I' }),
    );
    expect(summary.rows).toBe(20_000);
    expect(summary.byStatus.failed.rows).toBeGreaterThan(1800);
    expect(summary.byStatus.failed.rows).toBeLessThan(2200);
    expect(summary.byStatus.returned.rows).toBeGreaterThan(850);
    expect(summary.byStatus.returned.rows).toBeLessThan(1150);
  });

  it('refuses rates outside 0..1 and a malformed tahap', async () => {
    await expect(fileText(population, { bank: 'BRI', tahap: '2026-IV', seed: 1, failedRate: 1.5 })).rejects.toThrow(
      /failedRate in 0\.\.1/,
    );
    await expect(
      fileText(population, { bank: 'BRI', tahap: '2026-IV', seed: 1, failedRate: 0.6, returnedRate: 0.6 }),
    ).rejects.toThrow(/<= 1/);
    await expect(fileText(population, { bank: 'BRI', tahap: '26-IV', seed: 1 })).rejects.toThrow(
      /tahap such as 2026-IV/,
    );
  });
});
