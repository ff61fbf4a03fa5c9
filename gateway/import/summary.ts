/**
 * Totals of one parse, for the CLI's closing line and for the import's record in the store:
 * rows and rupiah per status, rejects per code, and whether the file was read to its end.
 */
import { fatalImportCodes } from './errors.ts';
import type { DisbursementStatus, ParsedDisbursement } from './types.ts';

export interface ImportSummary {
  readonly rows: number;
  readonly rupiah: number;
  readonly byStatus: Readonly<Record<DisbursementStatus, { readonly rows: number; readonly rupiah: number }>>;
  readonly rejects: number;
  /** Distinct lines with at least one reject. */
  readonly rejectedLines: number;
  readonly rejectsByCode: Readonly<Record<string, number>>;
  /** True when a fatal reject stopped the parse: the file was not read to its end. */
  readonly aborted: boolean;
}

export class ImportTally {
  #rows = 0;
  #rupiah = 0;
  #byStatus = { credited: { rows: 0, rupiah: 0 }, failed: { rows: 0, rupiah: 0 }, returned: { rows: 0, rupiah: 0 } };
  #rejects = 0;
  #rejectedLines = 0;
  #lastRejectedLine = -1;
  #byCode: Record<string, number> = {};
  #aborted = false;

  add(item: ParsedDisbursement): void {
    if (item.ok) {
      this.#rows++;
      this.#rupiah += item.row.amount;
      this.#byStatus[item.row.status].rows++;
      this.#byStatus[item.row.status].rupiah += item.row.amount;
      return;
    }
    this.#rejects++;
    // Rejects of one line are consecutive (the parser emits a line's rejects together).
    if (item.reject.line !== this.#lastRejectedLine) this.#rejectedLines++;
    this.#lastRejectedLine = item.reject.line;
    this.#byCode[item.reject.code] = (this.#byCode[item.reject.code] ?? 0) + 1;
    if (fatalImportCodes.has(item.reject.code)) this.#aborted = true;
  }

  summary(): ImportSummary {
    return {
      rows: this.#rows,
      rupiah: this.#rupiah,
      byStatus: structuredClone(this.#byStatus),
      rejects: this.#rejects,
      rejectedLines: this.#rejectedLines,
      rejectsByCode: { ...this.#byCode },
      aborted: this.#aborted,
    };
  }
}

/** Consumes a parse to its end and returns its totals (rows themselves are dropped). */
export async function summarizeImport(
  parsed: AsyncIterable<ParsedDisbursement> | Iterable<ParsedDisbursement>,
): Promise<ImportSummary> {
  const tally = new ImportTally();
  for await (const item of parsed) tally.add(item);
  return tally.summary();
}
