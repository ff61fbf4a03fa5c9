/**
 * Conformance, bank import (issues 9 and 13): the planned, chunked import gives the same answers
 * on every store. A file imported again is a no-op; a chunk mixing new rows, duplicates and
 * conflicts (against stored rows and within the chunk itself) counts each once and applies only
 * the new rows; one merged projection per chunk equals a row-by-row import; and the CLI's file
 * import writes the same rejects report and totals whatever the store. Held through the
 * interfaces alone, with reconcile agreeing after every step.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import { importDisbursementsFile } from '../../../gateway/cli/import-disbursements.ts';
import type { CliIo } from '../../../gateway/cli/io.ts';
import type { DisbursementRow } from '../../../gateway/import/types.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { generatePopulation, writeDisbursementFile } from '../../../simulators/bank/index.ts';
import { row, tahap } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';
import { observableState } from './observable.ts';

const fileA = { fileSha256: 'a'.repeat(64), now: 1 };

/** Five KPMs in three regions, one KPM with two credits, one failed and one returned row. */
const bankRows = (): DisbursementRow[] => [
  row('KPM-0001', 500_000, { line: 2, reference: 'R1' }),
  row('KPM-0001', 250_000, { line: 3, reference: 'R1B' }),
  row('KPM-0002', 300_000, { line: 4, reference: 'R2', regionCode: '3201010002' }),
  row('KPM-0003', 200_000, { line: 5, reference: 'R3', status: 'failed' }),
  row('KPM-0004', 400_000, { line: 6, reference: 'R4', regionCode: '3273010001' }),
  row('KPM-0005', 100_000, { line: 7, reference: 'R5', status: 'returned' }),
];

async function chunked(store: GatewayStore, rows: readonly DisbursementRow[], size: number, file = fileA) {
  const sum = { accepted: 0, duplicates: 0, conflicts: 0 };
  for (let i = 0; i < rows.length; i += size) {
    const out = await store.applyDisbursements(rows.slice(i, i + size), file);
    sum.accepted += out.accepted;
    sum.duplicates += out.duplicates;
    sum.conflicts += out.conflicts;
  }
  return sum;
}

export function describeImportConformance(name: string, open: StoreFactory): void {
  describe(`${name}: bank import plan (chunks, duplicates, conflicts)`, () => {
    let h: StoreHandle;
    const store = (): GatewayStore => h.store;
    const observed = () => observableState(store(), { tahaps: [tahap] });

    beforeEach(async () => {
      h = await open({ keys: generateGatewayKeys(), tahapClosesAt: {}, nonceEntriesMax: 10 });
    });
    afterEach(async () => h.destroy());

    async function expectBalanced(): Promise<void> {
      const sum = await store().summary(tahap, {});
      expect(sum.disbursed).toBe(sum.withdrawn + sum.unclaimed + sum.failed + sum.returned);
      const recon = await store().reconcile(tahap, 50);
      expect(recon.agree).toBe(true);
      expect(recon.totals).toEqual(sum);
    }

    it('the same file imported again, in other chunk sizes, is a no-op', async () => {
      expect(await chunked(store(), bankRows(), 4)).toEqual({ accepted: 6, duplicates: 0, conflicts: 0 });
      const before = await observed();
      expect(await chunked(store(), bankRows(), 6)).toEqual({ accepted: 0, duplicates: 6, conflicts: 0 });
      expect(await chunked(store(), bankRows(), 1)).toEqual({ accepted: 0, duplicates: 6, conflicts: 0 });
      expect(await observed()).toEqual(before);
      expect(await store().summary(tahap, {})).toMatchObject({
        kpm: 5,
        disbursed: 1_750_000,
        credited: 1_450_000,
        failed: 200_000,
        returned: 100_000,
      });
      await expectBalanced();
    });

    it('one chunk gives the state of the same rows applied one by one', async () => {
      await chunked(store(), bankRows(), 6);
      const whole = await observed();
      await h.destroy();
      h = await open({ keys: generateGatewayKeys(), tahapClosesAt: {}, nonceEntriesMax: 10 });
      await chunked(store(), bankRows(), 1);
      expect(await observed()).toEqual(whole);
    });

    it('a mixed chunk: new rows applied, duplicates and conflicts (stored or in the chunk) counted once', async () => {
      await store().applyDisbursements(bankRows().slice(0, 3), fileA);
      const mixed = [
        row('KPM-0001', 500_000, { line: 2, reference: 'R1' }), // duplicate of a stored row
        row('KPM-0002', 350_000, { line: 4, reference: 'R2', regionCode: '3201010002' }), // stored: conflict
        row('KPM-0006', 600_000, { line: 8, reference: 'R6' }), // new
        row('KPM-0006', 600_000, { line: 9, reference: 'R6' }), // same as the row above: duplicate
        row('KPM-0006', 600_000, { line: 10, reference: 'R6', status: 'failed' }), // vs. the chunk: conflict
        row('KPM-0001', 50_000, { line: 11, reference: 'R1C' }), // new row of a stored KPM
      ];
      const out = await store().applyDisbursements(mixed, { fileSha256: 'b'.repeat(64), now: 2 });
      expect(out).toMatchObject({ accepted: 2, duplicates: 2, conflicts: 2 });
      expect(out.conflictList.map((c) => [c.line, c.kpmId, c.reference])).toEqual([
        [4, 'KPM-0002', 'R2'],
        [10, 'KPM-0006', 'R6'],
      ]);
      expect(out.conflictList[0]!.reason).toBe('amount: imported 300000, found 350000');
      expect(out.conflictList[1]!.reason).toBe('status: imported credited, found failed');
      expect(await store().summary(tahap, {})).toMatchObject({
        kpm: 3,
        disbursed: 500_000 + 250_000 + 300_000 + 600_000 + 50_000,
        failed: 0,
      });
      expect((await store().importedFiles(tahap)).map((f) => f.fileSha256).sort()).toEqual([
        'a'.repeat(64),
        'b'.repeat(64),
      ]);
      await expectBalanced();
    });

    it('a chunk of duplicates and conflicts changes no figure, only records that its file was seen', async () => {
      await store().applyDisbursements(bankRows(), fileA);
      const before = await observed();
      const out = await store().applyDisbursements(
        [row('KPM-0001', 500_000, { line: 2, reference: 'R1' }), row('KPM-0004', 1, { line: 6, reference: 'R4' })],
        { fileSha256: 'c'.repeat(64), now: 3 },
      );
      expect(out).toMatchObject({ accepted: 0, duplicates: 1, conflicts: 1 });
      const after = await observed();
      const seen = { fileSha256: 'c'.repeat(64), bank: 'BRI', tahap, firstImportedAt: 3 };
      expect(after.importedFiles).toEqual([...before.importedFiles, seen]);
      const withoutFiles = (s: typeof before) => ({
        ...s,
        importedFiles: [],
        tahaps: Object.fromEntries(
          Object.entries(s.tahaps).map(([t, v]) => [t, { ...(v as object), importedFiles: [] }]),
        ),
      });
      expect(withoutFiles(after)).toEqual(withoutFiles(before));
    });
  });

  describeFileImport(name, open);
}

function describeFileImport(name: string, open: StoreFactory): void {
  describe(`${name}: a bank file through the CLI's import`, () => {
    let h: StoreHandle;
    let dir: string;
    beforeEach(async () => {
      h = await open({ keys: generateGatewayKeys(), tahapClosesAt: {}, nonceEntriesMax: 10 });
      dir = await mkdtemp(join(tmpdir(), 'edc-import-conf-'));
    });
    afterEach(async () => {
      await h.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    it('writes the same rejects report and totals on every store, and a second import adds nothing', async () => {
      const path = join(dir, 'bri.csv');
      const out = createWriteStream(path);
      const population = generatePopulation({ seed: 21, size: 30, banks: ['BRI'] });
      await writeDisbursementFile(population, { bank: 'BRI', tahap, seed: 3, failedRate: 0.1 }, out);
      out.end();
      await finished(out);
      // Two bad rows: a broken NIK and an amount of zero, on lines 3 and 5.
      const lines = (await readFile(path, 'utf8')).split('\n');
      lines[2] = lines[2]!.replace(/,(\d{16}),/, ',12345,');
      lines[4] = lines[4]!.replace(/,(\d+),(BERHASIL|GAGAL|RETUR)/, ',0,$2');
      const bad = join(dir, 'bri-bad.csv');
      await writeFile(bad, lines.join('\n'));
      const io: CliIo = { out: () => undefined, err: () => undefined, errIsTty: false, now: () => 5 };
      const rejects = join(dir, 'rejects.csv');
      const options = { bank: 'BRI' as const, tahap, rejects };
      const first = await importDisbursementsFile(h.store, bad, options, io);
      expect(first).toMatchObject({ accepted: 28, duplicates: 0, conflicts: 0, rejectedLines: 2 });
      expect(first.rejectsByCode).toEqual({ EDC_ERR_IMPORT_NIK: 1, EDC_ERR_IMPORT_AMOUNT: 1 });
      const report = (await readFile(rejects, 'utf8')).trim().split('\n');
      expect(report.slice(1).map((l) => l.split(',').slice(0, 2))).toEqual([
        ['3', 'EDC_ERR_IMPORT_NIK'],
        ['5', 'EDC_ERR_IMPORT_AMOUNT'],
      ]);
      const again = await importDisbursementsFile(h.store, bad, options, io);
      expect(again).toMatchObject({ accepted: 0, duplicates: 28, conflicts: 0, rejectedLines: 2 });
      expect((await h.store.summary(tahap, {})).kpm).toBe(28);
      expect((await h.store.reconcile(tahap, 10)).agree).toBe(true);
    });
  });
}
