/**
 * parseDisbursements: a bank's disbursement file in, validated rows and coded rejects out, in
 * file order, one record at a time. It never holds the file: memory is one input chunk of
 * records plus 12 bytes per distinct reference (for the duplicate check).
 *
 * It never throws on the file's content: every problem is a reject with a line, a code and a
 * reason. Fatal rejects (fatalImportCodes) end the stream. Thrown errors concern the call
 * (EDC_ERR_IMPORT_OPTIONS, EDC_ERR_IMPORT_LAYOUT, at the call) or the input stream (EDC_ERR_IMPORT_READ).
 */
import type { Readable } from 'node:stream';
import { Bank as BankSchema, Tahap as TahapSchema } from '../../protocol/messages/schemas.ts';
import { readCsvRecords, type CsvFailure, type CsvRecord } from './csv-records.ts';
import { ERR_IMPORT_LAYOUT, ERR_IMPORT_OPTIONS, ERR_IMPORT_READ, importErrors } from './errors.ts';
import { matchHeader } from './header.ts';
import { validateLayout, type LayoutSpec } from './layout.ts';
import { builtinLayouts, defaultLayoutByBank } from './layouts/builtin.ts';
import { defaultImportLimits, type ImportLimits } from './limits.ts';
import { ReferenceSet } from './reference-set.ts';
import { shown, statusVocabulary, validateRow, type RowContext } from './row.ts';
import { dateGraceDaysMax } from './tahap-period.ts';
import type { Bank, DisbursementReject, ParsedDisbursement } from './types.ts';

export interface ParseOptions {
  readonly bank: Bank;
  /** e.g. 2026-IV */
  readonly tahap: string;
  /** A built-in layout id, or a LayoutSpec (e.g. from loadLayoutFile). Default: the bank's layout. */
  readonly layout?: string | LayoutSpec;
  readonly limits?: Partial<ImportLimits>;
  /**
   * Days after the tahap's quarter a credited or failed row may be dated (0 to dateGraceDaysMax,
   * default 0): for a bank that posted late. See tahap-period.ts.
   */
  readonly dateGraceDays?: number;
}

/** The layout an import uses: the given one, a built-in by id, or the bank's default. */
export function resolveLayout(bank: Bank, layout?: string | LayoutSpec): LayoutSpec {
  if (layout === undefined) return builtinLayouts.get(defaultLayoutByBank[bank])!;
  if (typeof layout !== 'string')
    return validateLayout(layout, `layout object ${String((layout as { id?: unknown }).id)}`);
  const found = builtinLayouts.get(layout);
  if (found === undefined)
    throw new ERR_IMPORT_LAYOUT(
      `Cannot import: expected a layout among ${[...builtinLayouts.keys()].join(', ')} or a layout file, ` +
        `found ${shown(layout)}`,
      { layout },
    );
  return found;
}

function resolveLimits(given: Partial<ImportLimits> = {}): ImportLimits {
  const limits = { ...defaultImportLimits, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new ERR_IMPORT_OPTIONS(
        `Cannot import: expected limit ${name} to be a positive integer, found ${String(value)}`,
        { limit: name },
      );
  }
  return limits;
}

/** Validates the options at the call, then returns the lazily read stream of parsed rows. */
export function parseDisbursements(
  input: NodeJS.ReadableStream | Readable,
  options: ParseOptions,
): AsyncIterable<ParsedDisbursement> {
  return flatten(parseDisbursementBatches(input, options));
}

async function* flatten<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/**
 * parseDisbursements one input chunk at a time: the same items in the same order, as arrays
 * (never empty). What a caller that handles thousands of rows a second reads: a yield per row
 * through async generators costs about as much as validating the row.
 */
export function parseDisbursementBatches(
  input: NodeJS.ReadableStream | Readable,
  options: ParseOptions,
): AsyncIterable<ParsedDisbursement[]> {
  if (!BankSchema.safeParse(options.bank).success)
    throw new ERR_IMPORT_OPTIONS(
      `Cannot import: expected a bank among ${BankSchema.options.join(', ')}, found ${shown(String(options.bank))}`,
    );
  if (!TahapSchema.safeParse(options.tahap).success)
    throw new ERR_IMPORT_OPTIONS(
      `Cannot import: expected a tahap such as 2026-IV, found ${shown(String(options.tahap))}`,
    );
  const dateGraceDays = options.dateGraceDays ?? 0;
  if (!Number.isSafeInteger(dateGraceDays) || dateGraceDays < 0 || dateGraceDays > dateGraceDaysMax)
    throw new ERR_IMPORT_OPTIONS(
      `Cannot import: expected dateGraceDays of 0 to ${dateGraceDaysMax}, found ${String(options.dateGraceDays)}`,
    );
  const layout = resolveLayout(options.bank, options.layout);
  const limits = resolveLimits(options.limits);
  return parseWith(input, { layout, limits, bank: options.bank, tahap: options.tahap, dateGraceDays });
}

interface Resolved {
  readonly layout: LayoutSpec;
  readonly limits: ImportLimits;
  readonly bank: Bank;
  readonly tahap: string;
  readonly dateGraceDays: number;
}

function rejected(line: number, code: string, reason: string): ParsedDisbursement {
  return { ok: false, reject: { line, code, reason } satisfies DisbursementReject };
}

function failureReject(failure: CsvFailure, limits: ImportLimits): ParsedDisbursement {
  if (failure.kind === 'too-long') {
    return rejected(
      failure.line,
      importErrors.ERR_IMPORT_RECORD_TOO_LONG.code,
      `expected a record of at most ${limits.recordCharsMax} characters, found a longer one; nothing after it was read`,
    );
  }
  // csv-parse's message names the quote problem and line, and echoes at most a short field value.
  const what = failure.message.split(':')[0] ?? 'malformed CSV';
  const detected = failure.detectedLine > failure.line ? ` (detected at line ${failure.detectedLine})` : '';
  return rejected(
    failure.line,
    importErrors.ERR_IMPORT_CSV_SYNTAX.code,
    'expected well-formed CSV (quotes closed, nothing after a closing quote), ' +
      `found ${what.toLowerCase()} in the record starting here${detected}; nothing after it was read`,
  );
}

/** The per-import state the records of each chunk are checked against. */
interface ParseState {
  readonly resolved: Resolved;
  readonly references: ReferenceSet;
  ctx: RowContext | undefined;
  width: number;
  rows: number;
  /** A fatal reject was given: nothing after it is read. */
  ended: boolean;
}

async function* parseWith(
  input: NodeJS.ReadableStream | Readable,
  resolved: Resolved,
): AsyncGenerator<ParsedDisbursement[]> {
  const { layout, limits } = resolved;
  const state: ParseState = {
    resolved,
    references: new ReferenceSet(),
    ctx: undefined,
    width: 0,
    rows: 0,
    ended: false,
  };
  try {
    for await (const batch of readCsvRecords(input, {
      delimiter: layout.delimiter,
      recordCharsMax: limits.recordCharsMax,
    })) {
      const out = 'failure' in batch ? [failureReject(batch.failure, limits)] : recordResults(batch.records, state);
      if (out.length > 0) yield out;
      if ('failure' in batch || state.ended) return;
    }
  } catch (err) {
    throw new ERR_IMPORT_READ(
      `Cannot import: reading the input failed after ${state.rows} data rows: ${(err as Error).message}`,
      { rows: state.rows },
      err,
    );
  }
  if (state.ctx === undefined)
    yield [
      rejected(
        1,
        importErrors.ERR_IMPORT_HEADER.code,
        `expected the ${layout.id} header on line 1, found an empty file`,
      ),
    ];
}

/** The results of one chunk's records, in order; sets state.ended at a fatal reject. */
function recordResults(records: readonly CsvRecord[], state: ParseState): ParsedDisbursement[] {
  const out: ParsedDisbursement[] = [];
  const { limits } = state.resolved;
  for (const { fields, line } of records) {
    if (state.ctx === undefined) {
      const header = headerContext(fields, line, state);
      if (header !== undefined) {
        out.push(header);
        state.ended = true;
        return out;
      }
      continue;
    }
    if (++state.rows > limits.rowsMax) {
      out.push(
        rejected(
          line,
          importErrors.ERR_IMPORT_TOO_MANY_ROWS.code,
          `expected at most ${limits.rowsMax} data rows, found more; nothing after this line was read`,
        ),
      );
      state.ended = true;
      return out;
    }
    rowResults(fields, line, state.width, state.ctx, state.references, out);
  }
  return out;
}

/** Reads the header record into state; a reject when it does not match the layout. */
function headerContext(fields: string[], line: number, state: ParseState): ParsedDisbursement | undefined {
  const { layout, limits, bank, tahap, dateGraceDays } = state.resolved;
  const header = matchHeader(fields, layout);
  if (!header.ok) return rejected(line, importErrors.ERR_IMPORT_HEADER.code, header.reason);
  state.ctx = {
    layout,
    index: header.index,
    bank,
    tahap,
    limits,
    statusByWord: statusVocabulary(layout),
    dateGraceDays,
  };
  state.width = header.width;
  return undefined;
}

function rowResults(
  fields: string[],
  line: number,
  width: number,
  ctx: RowContext,
  references: ReferenceSet,
  out: ParsedDisbursement[],
): void {
  if (fields.length !== width) {
    out.push(
      rejected(
        line,
        importErrors.ERR_IMPORT_COLUMN_COUNT.code,
        `expected ${width} fields separated by ${JSON.stringify(ctx.layout.delimiter)}, ` +
          `found ${fields.length} (a truncated or wrongly split line)`,
      ),
    );
    return;
  }
  const result = validateRow(fields, line, ctx);
  const reference = ctx.index.reference === undefined ? '' : (fields[ctx.index.reference] ?? '').trim();
  // A reference is remembered even when its row is rejected, so that a later row with the same
  // reference is still flagged: the bank must say which of the two is meant.
  const firstLine = reference === '' ? undefined : references.add(reference, line);
  if (firstLine !== undefined) {
    out.push(
      rejected(
        line,
        importErrors.ERR_IMPORT_DUPLICATE.code,
        `expected each reference once in a file, found ${shown(reference)} again (first on line ${firstLine})`,
      ),
    );
    return;
  }
  if (result.ok) out.push({ ok: true, row: result.row });
  else for (const reject of result.rejects) out.push({ ok: false, reject });
}
