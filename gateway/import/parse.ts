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
import { readCsvRecords, type CsvFailure } from './csv-records.ts';
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

async function* parseWith(
  input: NodeJS.ReadableStream | Readable,
  resolved: Resolved,
): AsyncGenerator<ParsedDisbursement> {
  const { layout, limits } = resolved;
  const references = new ReferenceSet();
  let ctx: RowContext | undefined;
  let width = 0;
  let rows = 0;
  try {
    for await (const item of readCsvRecords(input, {
      delimiter: layout.delimiter,
      recordCharsMax: limits.recordCharsMax,
    })) {
      if ('failure' in item) {
        yield failureReject(item.failure, limits);
        return;
      }
      const { fields, line } = item.record;
      if (ctx === undefined) {
        const header = matchHeader(fields, layout);
        if (!header.ok) {
          yield rejected(line, importErrors.ERR_IMPORT_HEADER.code, header.reason);
          return;
        }
        ctx = {
          layout,
          index: header.index,
          bank: resolved.bank,
          tahap: resolved.tahap,
          limits,
          statusByWord: statusVocabulary(layout),
          dateGraceDays: resolved.dateGraceDays,
        };
        width = header.width;
        continue;
      }
      if (++rows > limits.rowsMax) {
        yield rejected(
          line,
          importErrors.ERR_IMPORT_TOO_MANY_ROWS.code,
          `expected at most ${limits.rowsMax} data rows, found more; nothing after this line was read`,
        );
        return;
      }
      yield* rowResults(fields, line, width, ctx, references);
    }
  } catch (err) {
    throw new ERR_IMPORT_READ(
      `Cannot import: reading the input failed after ${rows} data rows: ${(err as Error).message}`,
      { rows },
      err,
    );
  }
  if (ctx === undefined)
    yield rejected(
      1,
      importErrors.ERR_IMPORT_HEADER.code,
      `expected the ${layout.id} header on line 1, found an empty file`,
    );
}

function* rowResults(
  fields: string[],
  line: number,
  width: number,
  ctx: RowContext,
  references: ReferenceSet,
): Generator<ParsedDisbursement> {
  if (fields.length !== width) {
    yield rejected(
      line,
      importErrors.ERR_IMPORT_COLUMN_COUNT.code,
      `expected ${width} fields separated by ${JSON.stringify(ctx.layout.delimiter)}, ` +
        `found ${fields.length} (a truncated or wrongly split line)`,
    );
    return;
  }
  const result = validateRow(fields, line, ctx);
  const reference = ctx.index.reference === undefined ? '' : (fields[ctx.index.reference] ?? '').trim();
  // A reference is remembered even when its row is rejected, so that a later row with the same
  // reference is still flagged: the bank must say which of the two is meant.
  const firstLine = reference === '' ? undefined : references.add(reference, line);
  if (firstLine !== undefined) {
    yield rejected(
      line,
      importErrors.ERR_IMPORT_DUPLICATE.code,
      `expected each reference once in a file, found ${shown(reference)} again (first on line ${firstLine})`,
    );
    return;
  }
  if (result.ok) yield { ok: true, row: result.row };
  else for (const reject of result.rejects) yield { ok: false, reject };
}
