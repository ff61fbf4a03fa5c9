/**
 * One bank disbursement file into the store, all or nothing at the file level, in two passes:
 *
 * 1. Check: the file is hashed and parsed to its end; every reject goes to the rejects report.
 *    A reject that says the file is not what the flags say, or cannot be read to its end
 *    (refusingImportCodes: header, CSV syntax, record too long, too many rows, bank or tahap
 *    mismatch), refuses the whole file: nothing is stored, one coded line says why. Rows before
 *    a fatal reject are therefore never applied: a half-imported file would make a tahap's
 *    figures look complete while they are not.
 * 2. Store: parsed again, valid rows stored in atomic chunks of importChunkRowsMax (parsing the
 *    next chunk while the previous one is written), the file hashed again and compared with pass 1
 *    (a file changed in between is an error; the rows stored so far stay, and a re-import of
 *    either version adds only what is missing).
 *
 * Other row rejects (a bad NIK, amount, ...) leave the rest of the file imported; the output
 * says how many lines were rejected, and re-importing the bank's fixed file adds exactly those
 * rows (rows are identified by bank + tahap + KPM + reference, so the stored ones are duplicates).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, pipeline, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { EdcErrorConstructor } from '../../protocol/errors.ts';
import { ERR_IMPORT_FAILED } from '../errors.ts';
import {
  ImportTally,
  importErrors,
  parseDisbursementBatches,
  rejectsReportHeader,
  rejectsReportLine,
  refusingImportCodes,
  writeWithBackpressure,
  type Bank,
  type DisbursementReject,
  type DisbursementRow,
  type ImportLimits,
  type ImportSummary,
  type LayoutSpec,
} from '../import/index.ts';
import type { DisbursementStore, ExceptionAuditStore } from '../store/types.ts';

type ImportStore = Pick<DisbursementStore, 'applyDisbursements'> & Pick<ExceptionAuditStore, 'appendAudit'>;
import type { CliIo } from './io.ts';

export const importChunkRowsMax = 1000;

export interface ImportFileOptions {
  readonly bank: Bank;
  readonly tahap: string;
  readonly layout?: string | LayoutSpec | undefined;
  /** Path of the rejects report (CSV); none when undefined. */
  readonly rejects?: string | undefined;
  readonly limits?: Partial<ImportLimits>;
  readonly dateGraceDays?: number;
}

export interface ImportTotals {
  readonly fileSha256: string;
  readonly accepted: number;
  readonly duplicates: number;
  readonly conflicts: number;
  /** Rejects (a row may have several). */
  readonly rejected: number;
  /** Lines with at least one reject: the rows not imported. */
  readonly rejectedLines: number;
  readonly rejectsByCode: Readonly<Record<string, number>>;
}

/** The file's bytes as they are read, hashed on the way (SHA-256). */
function hashedRead(file: string): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // The parser reads `tap`; an early stop destroys it and pipeline closes the file behind it.
  pipeline(createReadStream(file), tap, () => undefined);
  return { stream: tap, digest: () => hash.digest('hex') };
}

function parsed(stream: Readable, options: ImportFileOptions) {
  return parseDisbursementBatches(stream, {
    bank: options.bank,
    tahap: options.tahap,
    ...(options.layout === undefined ? {} : { layout: options.layout }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.dateGraceDays === undefined ? {} : { dateGraceDays: options.dateGraceDays }),
  });
}

interface CheckResult {
  readonly fileSha256: string;
  readonly summary: ImportSummary;
  /** The first reject that refuses the file, and how many of its code there were. */
  readonly refusal: { readonly reject: DisbursementReject; readonly count: number } | undefined;
}

async function checkPass(file: string, options: ImportFileOptions, io: CliIo): Promise<CheckResult> {
  const { stream, digest } = hashedRead(file);
  const tally = new ImportTally();
  let refusal: DisbursementReject | undefined;
  const report = options.rejects === undefined ? undefined : createWriteStream(options.rejects);
  try {
    if (report !== undefined) await writeWithBackpressure(report, rejectsReportHeader);
    for await (const batch of parsed(stream, options)) {
      for (const item of batch) {
        tally.add(item);
        if (item.ok) continue;
        if (refusal === undefined && refusingImportCodes.has(item.reject.code)) refusal = item.reject;
        if (report !== undefined) await writeWithBackpressure(report, rejectsReportLine(item.reject));
      }
    }
  } finally {
    if (report !== undefined) {
      report.end();
      await finished(report);
    }
  }
  const summary = tally.summary();
  if (io.errIsTty)
    io.err(`Diperiksa / checked: ${summary.rows} baris sah / valid rows, ${summary.rejects} ditolak / rejected\n`);
  return {
    fileSha256: refusal === undefined ? digest() : '',
    summary,
    refusal: refusal === undefined ? undefined : { reject: refusal, count: summary.rejectsByCode[refusal.code] ?? 1 },
  };
}

function refusalError(file: string, refusal: NonNullable<CheckResult['refusal']>): Error {
  const ctor = (Object.values(importErrors) as EdcErrorConstructor[]).find((c) => c.code === refusal.reject.code);
  const { line, reason } = refusal.reject;
  const more = refusal.count > 1 ? ` (${refusal.count} lines like this)` : '';
  const message =
    'Impor ditolak, tidak ada baris yang disimpan / Import refused, no row stored: ' +
    `${file} line ${line}: ${reason}${more}`;
  return new (ctor ?? ERR_IMPORT_FAILED)(message, { file, line, code: refusal.reject.code, count: refusal.count });
}

async function storePass(
  store: ImportStore,
  file: string,
  options: ImportFileOptions,
  checked: CheckResult,
  io: CliIo,
): Promise<ImportTotals> {
  const { stream, digest } = hashedRead(file);
  const counts = { accepted: 0, duplicates: 0, conflicts: 0 };
  let chunk: DisbursementRow[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const storeChunk = async (rows: readonly DisbursementRow[]) => {
    const out = await store.applyDisbursements(rows, { fileSha256: checked.fileSha256, now: io.now() });
    counts.accepted += out.accepted;
    counts.duplicates += out.duplicates;
    counts.conflicts += out.conflicts;
    for (const c of out.conflictList)
      io.err(
        `Konflik / conflict: line ${c.line}: KPM ${c.kpmId} reference ${c.reference}: ${c.reason} (not applied)\n`,
      );
    if (io.errIsTty) io.err(`\rDisimpan / stored: ${counts.accepted + counts.duplicates + counts.conflicts} rows`);
  };
  // At most one chunk in flight, stored in file order: parsing and the synced write overlap.
  const flush = async () => {
    const rows = chunk;
    chunk = [];
    await inFlight;
    inFlight = storeChunk(rows);
    inFlight.catch(() => undefined); // awaited, and so thrown, by the next flush or the end
  };
  read: for await (const batch of parsed(stream, options)) {
    for (const item of batch) {
      if (!item.ok && refusingImportCodes.has(item.reject.code)) break read;
      if (!item.ok) continue;
      chunk.push(item.row);
      if (chunk.length >= importChunkRowsMax) await flush();
    }
  }
  if (chunk.length > 0) await flush();
  await inFlight;
  if (io.errIsTty) io.err('\n');
  const again = stream.readableEnded ? digest() : 'unfinished';
  if (again !== checked.fileSha256)
    throw new ERR_IMPORT_FAILED(
      `Berkas berubah selama impor / Cannot finish importing ${file}: it changed between the check and the store ` +
        `pass (SHA-256 ${checked.fileSha256.slice(0, 12)}.. then ${again.slice(0, 12)}..); ${counts.accepted} ` +
        'rows were stored; import the final file again (stored rows count as duplicates)',
      { file, accepted: counts.accepted },
    );
  const { rejects: rejected, rejectedLines, rejectsByCode } = checked.summary;
  return { fileSha256: checked.fileSha256, ...counts, rejected, rejectedLines, rejectsByCode };
}

/** Imports one disbursement file (see the file comment); throws a coded error when it is refused. */
export async function importDisbursementsFile(
  store: ImportStore,
  file: string,
  options: ImportFileOptions,
  io: CliIo,
): Promise<ImportTotals> {
  const info = await stat(file).catch((cause: unknown) => {
    throw new ERR_IMPORT_FAILED(`Cannot read ${file}: ${(cause as Error).message}`, { file }, cause);
  });
  if (!info.isFile()) throw new ERR_IMPORT_FAILED(`Cannot read ${file}: expected a file`, { file });
  const checked = await checkPass(file, options, io);
  if (checked.refusal !== undefined) throw refusalError(file, checked.refusal);
  const totals = await storePass(store, file, options, checked, io);
  await store.appendAudit({
    at: io.now(),
    actor: 'cli',
    action: 'import.disbursements',
    details: { bank: options.bank, tahap: options.tahap, ...totals },
  });
  return totals;
}
