/**
 * Bank disbursement import throughput: rows/s parsed AND validated by gateway/import for each
 * built-in layout on a generated 200k-row file, beside raw csv-parse rows/s on the same file
 * (the baseline: what reading the CSV alone costs). Also the peak heap growth during a parse,
 * which stays flat however large the file is (the parse streams).
 * Run: npx tsx bench/import-parse.ts [--quick]   (50k rows per layout; --quick: 10k)
 * Prints a table (median, min, max over the repeats) and writes bench/results/import-parse.json.
 */
import { parse } from 'csv-parse';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  builtinLayouts,
  defaultLayoutByBank,
  parseDisbursements,
  type Bank,
  type LayoutSpec,
} from '../gateway/import/index.ts';
import { iteratePopulation, writeDisbursementFile } from '../simulators/bank/index.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';

const rows = sized(50_000, 10_000, 2_000);
const repeats = 3;

function bankOf(layout: LayoutSpec): Bank {
  return (Object.entries(defaultLayoutByBank) as Array<[Bank, string]>).find(([, id]) => id === layout.id)![0];
}

async function generate(dir: string, layout: LayoutSpec): Promise<string> {
  const path = join(dir, `${layout.id}.csv`);
  const out = createWriteStream(path);
  const bank = bankOf(layout);
  await writeDisbursementFile(
    iteratePopulation({ seed: 1, size: rows, banks: [bank] }),
    { bank, tahap: '2026-IV', layout, seed: 1, failedRate: 0.02, returnedRate: 0.01 },
    out,
  );
  out.end();
  await finished(out);
  return path;
}

async function rawCsvRows(path: string, layout: LayoutSpec): Promise<number> {
  let count = 0;
  for await (const _record of createReadStream(path).pipe(
    parse({ bom: true, delimiter: layout.delimiter, record_delimiter: ['\r\n', '\n'] }),
  ))
    count++;
  return count - 1; // header
}

async function importRows(path: string, layout: LayoutSpec, heap: { peak: number }): Promise<number> {
  const base = process.memoryUsage().heapUsed;
  let ok = 0;
  let rejects = 0;
  for await (const item of parseDisbursements(createReadStream(path), {
    bank: bankOf(layout),
    tahap: '2026-IV',
    layout,
  })) {
    if (item.ok) ok++;
    else rejects++;
    if ((ok & 0x3fff) === 0) heap.peak = Math.max(heap.peak, process.memoryUsage().heapUsed - base);
  }
  // Pair assertion: the benchmark measures a clean import, not a failing one.
  if (ok !== rows || rejects !== 0)
    throw new Error(`bench import-parse: expected ${rows} rows and 0 rejects, found ${ok} and ${rejects}`);
  return ok;
}

async function rates(run: () => Promise<number>): Promise<number[]> {
  await run(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const count = await run();
    samples.push((count / (performance.now() - start)) * 1000);
  }
  return samples;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-bench-import-'));
  const figures: Figure[] = [];
  try {
    for (const layout of builtinLayouts.values()) {
      const path = await generate(dir, layout);
      const megabytes = (await stat(path)).size / 1e6;
      const baseline = summarize(
        `${layout.id} raw csv-parse (${megabytes.toFixed(1)} MB)`,
        'rows/s',
        await rates(() => rawCsvRows(path, layout)),
      );
      const heap = { peak: 0 };
      const ours = summarize(
        `${layout.id} parseDisbursements (parse+validate)`,
        'rows/s',
        await rates(() => importRows(path, layout, heap)),
      );
      figures.push(
        baseline,
        against(ours, baseline),
        summarize(`${layout.id} peak heap growth during parse (incl. uncollected garbage)`, 'MB', [heap.peak / 1e6]),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  finish('import-parse', `gateway/import: ${rows} rows per file, ${repeats} repeats`, figures);
}

await main();
