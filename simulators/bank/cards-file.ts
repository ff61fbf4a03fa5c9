/**
 * The cards file: what a newcomer needs to enrol an agent and to present a card at a terminal,
 * one KPM of the simulated population per row. CSV (RFC 4180, comma, LF, a header row):
 *
 *   kpm_id,bank,region_code,pan,pin,rupiah_per_tahap
 *   KPM-0000000009,BRI,1671112024,6032980000000085,691999,1350000
 *
 * `pin` is the card's own PIN (the chip checks the PIN typed against it): simulated truth that a
 * real bank file never carries. `edc-sim bank cards` writes it; `edc-sim terminal --cards` reads
 * it, so that a typed KPM id or card number finds its card and the card its PIN. Reading checks
 * the header and every row (a coded error names the line) and holds at most cardsFileRowsMax rows.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { isLuhnValid } from '../../protocol/iso8583/index.ts';
import { KpmId } from '../../protocol/messages/schemas.ts';
import { ERR_SIM_CARDS_FILE } from '../errors.ts';
import type { Kpm } from './population.ts';

export const cardsFileHeader = ['kpm_id', 'bank', 'region_code', 'pan', 'pin', 'rupiah_per_tahap'] as const;
/** Rows a terminal loads: an agent's KPMs, or a few villages' (a whole population is not for a terminal). */
export const cardsFileRowsMax = 500_000;

const CardRow = z.strictObject({
  kpm_id: KpmId,
  bank: z.enum(['BRI', 'BNI', 'BTN', 'MANDIRI']),
  region_code: z.string().regex(/^[0-9]{10}$/, 'expected a 10-digit village code'),
  pan: z.string().refine(isLuhnValid, 'expected a Luhn-valid card number of 12-19 digits'),
  pin: z.string().regex(/^[0-9]{4,12}$/, 'expected a PIN of 4-12 digits'),
  rupiah_per_tahap: z.string().regex(/^[0-9]{1,12}$/, 'expected whole rupiah'),
});

export interface CardRecord {
  readonly kpmId: string;
  readonly bank: string;
  readonly pan: string;
  readonly pin: string;
}

export interface CardBook {
  readonly size: number;
  /** The card of a KPM id or a card number, when the file has it. */
  find(kpmIdOrPan: string): CardRecord | undefined;
}

/** Writes the header and one row per KPM; resolves with the number of rows. */
export async function writeCardsFile(kpms: Iterable<Kpm>, out: Writable): Promise<number> {
  let rows = 0;
  const write = async (line: string): Promise<void> => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(cardsFileHeader.join(',') + '\n');
  for (const kpm of kpms) {
    await write(
      [kpm.kpmId, kpm.bank, kpm.regionCode, kpm.card.pan, kpm.card.pin, String(kpm.rupiahPerTahap)].join(',') + '\n',
    );
    rows++;
  }
  return rows;
}

function refuse(path: string, line: number, problem: string): never {
  throw new ERR_SIM_CARDS_FILE(`Cannot read the cards file ${path}: line ${line}: ${problem}`, { path, line });
}

function addRow(path: string, line: number, values: string[], book: Map<string, CardRecord>): void {
  const parsed = CardRow.safeParse(Object.fromEntries(cardsFileHeader.map((name, i) => [name, values[i]])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(path, line, `${String(issue.path[0])}: ${issue.message}`);
  }
  const row = parsed.data;
  if (book.has(row.kpm_id) || book.has(row.pan)) refuse(path, line, `${row.kpm_id} or its card appears twice`);
  const record = { kpmId: row.kpm_id, bank: row.bank, pan: row.pan, pin: row.pin };
  book.set(row.kpm_id, record);
  book.set(row.pan, record);
}

export async function readCardsFile(path: string): Promise<CardBook> {
  const book = new Map<string, CardRecord>();
  let line = 0;
  try {
    for await (const values of createReadStream(path).pipe(parse({ relax_column_count: true }))) {
      line++;
      const row = values as string[];
      if (line === 1) {
        if (row.join(',') !== cardsFileHeader.join(','))
          refuse(path, 1, `expected the header ${cardsFileHeader.join(',')}, found ${row.join(',').slice(0, 80)}`);
        continue;
      }
      if (line - 1 > cardsFileRowsMax) refuse(path, line, `expected at most ${cardsFileRowsMax} rows`);
      if (row.length !== cardsFileHeader.length)
        refuse(path, line, `expected ${cardsFileHeader.length} columns, found ${row.length}`);
      addRow(path, line, row, book);
    }
  } catch (cause) {
    if (cause instanceof ERR_SIM_CARDS_FILE) throw cause;
    throw new ERR_SIM_CARDS_FILE(
      `Cannot read the cards file ${path}: ${(cause as Error).message}`,
      { path, line },
      cause,
    );
  }
  if (line <= 1) refuse(path, Math.max(line, 1), 'expected a header and at least one row');
  return { size: book.size / 2, find: (text) => book.get(text.trim()) };
}
