/**
 * The bank file the import and reconciliation benchmarks share: a BRI disbursement CSV of `rows`
 * KPMs written by the bank simulator (population seed 1, file seed 2, tahap 2026-IV, 5% gagal
 * transfer, 2% retur), so every benchmark that imports "the same file" imports the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { iteratePopulation, writeDisbursementFile } from '../../simulators/bank/index.ts';

export const benchBankFileTahap = '2026-IV';

export async function writeBenchBankFile(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  await writeDisbursementFile(
    iteratePopulation({ seed: 1, size: rows, banks: ['BRI'] }),
    { bank: 'BRI', tahap: benchBankFileTahap, seed: 2, failedRate: 0.05, returnedRate: 0.02 },
    out,
  );
  out.end();
  await finished(out);
}
