import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ImportTally, parseDisbursements } from '../../../gateway/import/index.ts';
import { iteratePopulation, writeDisbursementFile } from '../../../simulators/bank/index.ts';
import { briHeader, briLine } from './helpers.ts';

describe('parseDisbursements() streaming', () => {
  it('parses a generated 200k-row file while it is being written, with every row accounted for', async () => {
    // The writer and the parser run concurrently through a small pipe: the file never exists whole.
    const pipe = new PassThrough({ highWaterMark: 64 * 1024 });
    const population = iteratePopulation({ seed: 42, size: 200_000, banks: ['BRI'] });
    const writing = writeDisbursementFile(
      population,
      { bank: 'BRI', tahap: '2026-I', seed: 42, failedRate: 0.02, returnedRate: 0.01 },
      pipe,
    ).then((rows) => {
      pipe.end();
      return rows;
    });
    const tally = new ImportTally();
    let lastLine = 1;
    for await (const item of parseDisbursements(pipe, { bank: 'BRI', tahap: '2026-I' })) {
      tally.add(item);
      if (item.ok) {
        expect(item.row.line).toBe(lastLine + 1);
        lastLine = item.row.line;
      }
    }
    const written = await writing;
    const summary = tally.summary();
    expect(written).toBe(200_000);
    expect(summary.rows).toBe(200_000);
    expect(summary.rejects).toBe(0);
    expect(summary.byStatus.failed.rows + summary.byStatus.returned.rows + summary.byStatus.credited.rows).toBe(
      200_000,
    );
    expect(summary.byStatus.failed.rows).toBeGreaterThan(3000); // 2% of 200k = 4000, drawn
    expect(summary.byStatus.failed.rows).toBeLessThan(5000);
  });

  it('destroys the input when the consumer stops early', async () => {
    const lines = function* (): Generator<string> {
      yield `${briHeader}\n`;
      for (let i = 1; i <= 100_000; i++) yield `${briLine({ no: String(i), ref: `R${i}` })}\n`;
    };
    const input = Readable.from(lines());
    let seen = 0;
    for await (const item of parseDisbursements(input, { bank: 'BRI', tahap: '2026-IV' })) {
      expect(item.ok).toBe(true);
      if (++seen === 10) break;
    }
    expect(seen).toBe(10);
    expect(input.destroyed).toBe(true);
  });

  it('turns an input stream failure into EDC_ERR_IMPORT_READ after the rows read so far', async () => {
    let release = (): void => undefined;
    const consumed = new Promise<void>((resolve) => (release = resolve));
    // The disk fails once the first row has reached the consumer (a gate, not a timer).
    const input = Readable.from(
      (async function* () {
        // csv-parse holds a chunk's last record until it sees what follows, so R2 stays unread.
        yield Buffer.from(`${briHeader}\n${briLine({ ref: 'R1' })}\n${briLine({ no: '2', ref: 'R2' })}\n`);
        await consumed;
        throw new Error('EIO: disk gone');
      })(),
    );
    const rows: number[] = [];
    const failure = await (async () => {
      for await (const item of parseDisbursements(input, { bank: 'BRI', tahap: '2026-IV' }))
        if (item.ok) {
          rows.push(item.row.line);
          release();
        }
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(rows).toEqual([2]);
    expect(failure).toMatchObject({
      code: 'EDC_ERR_IMPORT_READ',
      message: expect.stringContaining('after 1 data rows: EIO: disk gone'),
    });
  });
});
