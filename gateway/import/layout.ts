/**
 * A bank layout: how one bank's disbursement export names and formats the fields of a
 * DisbursementRow. Written once as a zod schema; built-in layouts and layout files (JSON) are
 * both checked by it, so a hand-written layout with a typo fails with a message naming the key.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ERR_IMPORT_LAYOUT } from './errors.ts';
import { amountFormats, dateFormats, normalizeWord, type AmountFormat, type DateFormat } from './formats.ts';

const layoutFileBytesMax = 64 * 1024;

const ColumnName = z
  .string()
  .min(1, 'expected a column name, found an empty string')
  .max(64, 'expected a column name of at most 64 characters')
  .regex(/^[^\r\n"]+$/, 'expected a column name without quotes or line breaks');
const StatusWords = z.array(z.string().trim().min(1).max(40)).min(1, 'expected at least one status word').max(8);

export const LayoutSpecSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,31}$/, 'expected a layout id of 2-32 of a-z, 0-9 and -, such as bri-v1'),
    description: z.string().max(200).optional(),
    delimiter: z.enum([',', ';', '|', '\t'], { error: 'expected a delimiter: one of "," ";" "|" or a tab' }),
    /** Every column of the header, in the order a writer emits them; the parser accepts any order. */
    header: z.array(ColumnName).min(8).max(32),
    columns: z.strictObject({
      kpmId: ColumnName,
      nik: ColumnName,
      pan: ColumnName,
      name: ColumnName,
      regionCode: ColumnName,
      amount: ColumnName,
      status: ColumnName,
      reference: ColumnName,
      date: ColumnName.optional(),
      bank: ColumnName.optional(),
      tahap: ColumnName.optional(),
      /** A running row number (NO): read as text and ignored. */
      rowNumber: ColumnName.optional(),
    }),
    amountFormat: z.enum(amountFormats as [AmountFormat, ...AmountFormat[]], {
      error: `expected an amount format: one of ${amountFormats.join(', ')}`,
    }),
    /** Writers prefix amounts with "Rp " (id-thousands only); readers accept both. */
    amountCurrencyPrefix: z.boolean().default(false),
    dateFormat: z
      .enum(dateFormats as [DateFormat, ...DateFormat[]], {
        error: `expected a date format: one of ${dateFormats.join(', ')}`,
      })
      .optional(),
    /** Words per status, first one is what a writer emits; compared case-insensitively. */
    statusWords: z.strictObject({ credited: StatusWords, failed: StatusWords, returned: StatusWords }),
  })
  .superRefine((spec, ctx) => {
    const header = spec.header.map(normalizeWord);
    const mapped = Object.values(spec.columns)
      .filter((name) => name !== undefined)
      .map(normalizeWord);
    for (const [i, name] of header.entries()) {
      if (header.indexOf(name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['header', i],
          message: `expected each column once, found ${name} twice`,
        });
      if (!mapped.includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['header', i],
          message: `expected every header column to be mapped in columns, found ${name} unmapped`,
        });
    }
    for (const [field, name] of Object.entries(spec.columns)) {
      if (name !== undefined && !header.includes(normalizeWord(name)))
        ctx.addIssue({
          code: 'custom',
          path: ['columns', field],
          message: `expected ${name} to be in header, it is not`,
        });
    }
    if ((spec.columns.date === undefined) !== (spec.dateFormat === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['dateFormat'],
        message: 'expected dateFormat exactly when columns.date is set',
      });
    const words = Object.values(spec.statusWords).flat().map(normalizeWord);
    for (const [i, word] of words.entries()) {
      if (words.indexOf(word) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['statusWords'],
          message: `expected each status word in one status only, found ${word} twice`,
        });
    }
  });

export type LayoutSpec = z.output<typeof LayoutSpecSchema>;
export type LayoutSpecInput = z.input<typeof LayoutSpecSchema>;

/** "columns.nik: expected ...; header.3: expected ..." */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export function validateLayout(value: unknown, source: string): LayoutSpec {
  const result = LayoutSpecSchema.safeParse(value);
  if (!result.success)
    throw new ERR_IMPORT_LAYOUT(`Cannot use layout from ${source}: ${formatIssues(result.error)}`, { source });
  return result.data;
}

/** Reads and validates a layout JSON file (at most 64 KiB). */
export async function loadLayoutFile(path: string): Promise<LayoutSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ERR_IMPORT_LAYOUT(`Cannot read layout file ${path}: ${(err as Error).message}`, { path }, err);
  }
  if (Buffer.byteLength(text) > layoutFileBytesMax)
    throw new ERR_IMPORT_LAYOUT(
      `Cannot use layout file ${path}: expected at most ${layoutFileBytesMax} bytes, found ${Buffer.byteLength(text)}`,
      { path },
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ERR_IMPORT_LAYOUT(
      `Cannot use layout file ${path}: expected JSON, found a syntax error (${(err as Error).message})`,
      { path },
      err,
    );
  }
  return validateLayout(json, `file ${path}`);
}
