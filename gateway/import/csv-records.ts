/**
 * Streams CSV records out of a byte stream with csv-parse, one chunk at a time.
 *
 * Why records are taken from csv-parse's `on_record` hook and not from its readable side: when a
 * chunk holds good records and then a fatal error (an unclosed quote, an overlong record), the
 * stream is destroyed and the records still buffered on its readable side are lost, so rows that
 * precede the error would silently vanish. `on_record` runs synchronously inside the parse of
 * the chunk, before the error is raised, so every record before the error is kept. Memory stays
 * bounded by one input chunk's records: the next chunk is written only after they are consumed.
 */
import { parse, CsvError } from 'csv-parse';
import { Readable } from 'node:stream';

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line on which the record starts (a quoted field may span lines). */
  readonly line: number;
}

/** A failure of the CSV syntax itself; the stream cannot be read past it. */
export interface CsvFailure {
  readonly kind: 'syntax' | 'too-long';
  /**
   * Where the failing record starts: the line after the last record read (an unclosed quote
   * runs on into the lines after it, so the parser notices only later). Blank lines skipped in
   * between make it the first of them.
   */
  readonly line: number;
  /** The line at which the parser noticed. */
  readonly detectedLine: number;
  readonly message: string;
}

export interface CsvReadOptions {
  readonly delimiter: string;
  readonly recordCharsMax: number;
}

/** The records of one input chunk (never empty), or the failure that ends the stream. */
export type CsvBatch = { readonly records: readonly CsvRecord[] } | { readonly failure: CsvFailure };

function countLineBreaks(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) count++;
  }
  return count;
}

function toFailure(err: unknown, lastRecordEndLine: number): CsvFailure | undefined {
  if (!(err instanceof CsvError)) return undefined;
  const detectedLine =
    typeof (err as CsvError & { lines?: unknown }).lines === 'number' ? (err as CsvError & { lines: number }).lines : 0;
  const line = Math.min(lastRecordEndLine + 1, Math.max(detectedLine, 1));
  return { kind: err.code === 'CSV_MAX_RECORD_SIZE' ? 'too-long' : 'syntax', line, detectedLine, message: err.message };
}

/**
 * Yields the records of each input chunk as one array (a per-record yield through async
 * generators cost more than reading the record), then at most one failure (after which it
 * stops). Errors of the input stream itself (I/O) are thrown unchanged. Stopping early (break)
 * destroys the input.
 */
export async function* readCsvRecords(
  input: NodeJS.ReadableStream | Readable,
  options: CsvReadOptions,
): AsyncGenerator<CsvBatch> {
  let queue: CsvRecord[] = [];
  let parseError: Error | undefined;
  let lastRecordEndLine = 0;
  const parser = parse({
    bom: true,
    delimiter: options.delimiter,
    // Both endings in one file: csv-parse otherwise fixes the first ending it meets.
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    max_record_size: options.recordCharsMax,
    on_record: (fields: string[], context: { lines: number }) => {
      queue.push({ fields, line: context.lines - countLineBreaks(fields) });
      lastRecordEndLine = context.lines;
      return null; // Nothing goes to the readable side: see the file comment.
    },
  });
  parser.on('error', (err: Error) => {
    parseError ??= err;
  });
  parser.resume();
  const source = input instanceof Readable ? input : Readable.from(input as AsyncIterable<Buffer | string>);
  const take = (): CsvRecord[] => {
    const records = queue;
    queue = [];
    return records;
  };
  try {
    for await (const chunk of source) {
      await new Promise<void>((resolve) => parser.write(chunk as Buffer | string, () => resolve()));
      if (queue.length > 0) yield { records: take() };
      if (parseError !== undefined) break;
    }
    if (parseError === undefined)
      await new Promise<void>((resolve) => parser.end(() => resolve()).once('error', () => resolve()));
    if (queue.length > 0) yield { records: take() };
  } finally {
    parser.destroy();
    source.destroy();
  }
  if (parseError !== undefined) {
    const failure = toFailure(parseError, lastRecordEndLine);
    if (failure === undefined) throw parseError;
    yield { failure };
  }
}
