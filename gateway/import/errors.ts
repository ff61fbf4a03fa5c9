/**
 * Coded errors of the bank disbursement import. Most of them never leave the parser as thrown
 * errors: a bad row becomes a reject `{ line, code, reason }` in the parsed stream and the rejects
 * report, so one bad line never stops the rest of the file. The codes listed in `fatalImportCodes`
 * end the parse (the CSV cannot be re-synchronised after them); the constructors marked "thrown"
 * are raised to the caller because they concern the call itself, not the file's content.
 */
import { defineError } from '../../protocol/errors.ts';

export const importErrors = {
  // ---- Thrown to the caller -----------------------------------------------------------------
  ERR_IMPORT_OPTIONS: defineError(
    'EDC_ERR_IMPORT_OPTIONS',
    'Thrown: the import options are invalid (unknown bank, tahap not like 2026-IV, bad limits)',
  ),
  ERR_IMPORT_LAYOUT: defineError(
    'EDC_ERR_IMPORT_LAYOUT',
    'Thrown: the layout is unknown, or a layout file is unreadable, not JSON or does not match the layout schema',
  ),
  ERR_IMPORT_READ: defineError(
    'EDC_ERR_IMPORT_READ',
    'Thrown: the input stream failed while being read (I/O error); ' +
      'rows already yielded are valid but the file was not read to its end',
    500,
  ),
  // ---- Fatal rejects: the parse stops after them --------------------------------------------
  ERR_IMPORT_HEADER: defineError(
    'EDC_ERR_IMPORT_HEADER',
    'Reject at line 1: the file is empty, or its header lacks a column of the layout, ' +
      'repeats one or has an unexpected one; no row is read',
  ),
  ERR_IMPORT_CSV_SYNTAX: defineError(
    'EDC_ERR_IMPORT_CSV_SYNTAX',
    'Reject: the CSV itself is malformed ' +
      '(quote not closed, text after a closing quote, quote inside an unquoted field); the parse stops there',
  ),
  ERR_IMPORT_RECORD_TOO_LONG: defineError(
    'EDC_ERR_IMPORT_RECORD_TOO_LONG',
    'Reject: one record is longer than recordCharsMax; the parse stops there',
  ),
  ERR_IMPORT_TOO_MANY_ROWS: defineError(
    'EDC_ERR_IMPORT_TOO_MANY_ROWS',
    'Reject: the file has more data rows than rowsMax; the parse stops there',
  ),
  // ---- Row rejects: the row is skipped, the parse goes on -----------------------------------
  ERR_IMPORT_COLUMN_COUNT: defineError(
    'EDC_ERR_IMPORT_COLUMN_COUNT',
    'Reject: a row has more or fewer fields than the header (often a truncated last line)',
  ),
  ERR_IMPORT_KPM_ID: defineError(
    'EDC_ERR_IMPORT_KPM_ID',
    'Reject: the KPM id is not 4-32 of A-Z, 0-9 and - (protocol KpmId)',
  ),
  ERR_IMPORT_NIK: defineError(
    'EDC_ERR_IMPORT_NIK',
    'Reject: the NIK is not 16 digits with a known province, a district, a birth date (day +40 for women) and a serial',
  ),
  ERR_IMPORT_PAN: defineError(
    'EDC_ERR_IMPORT_PAN',
    'Reject: the KKS card number is not 16-19 digits or fails the Luhn check',
  ),
  ERR_IMPORT_NAME: defineError(
    'EDC_ERR_IMPORT_NAME',
    'Reject: the name is empty, longer than nameCharsMax or contains control characters',
  ),
  ERR_IMPORT_REGION: defineError(
    'EDC_ERR_IMPORT_REGION',
    'Reject: the region code is not 10 digits of a known province, regency, district and village',
  ),
  ERR_IMPORT_AMOUNT: defineError(
    'EDC_ERR_IMPORT_AMOUNT',
    "Reject: the amount is not a whole positive rupiah amount in the layout's format, or exceeds amountRupiahMax",
  ),
  ERR_IMPORT_STATUS: defineError('EDC_ERR_IMPORT_STATUS', "Reject: the status word is not in the layout's vocabulary"),
  ERR_IMPORT_REFERENCE: defineError(
    'EDC_ERR_IMPORT_REFERENCE',
    'Reject: the bank reference is missing or not 1-64 of A-Z, a-z, 0-9 and / _ . -',
  ),
  ERR_IMPORT_DATE: defineError(
    'EDC_ERR_IMPORT_DATE',
    "Reject: the disbursement date is not a calendar date in the layout's date format",
  ),
  ERR_IMPORT_BANK_MISMATCH: defineError(
    'EDC_ERR_IMPORT_BANK_MISMATCH',
    "Reject: the row's bank column names another bank than the import's --bank",
  ),
  ERR_IMPORT_TAHAP_MISMATCH: defineError(
    'EDC_ERR_IMPORT_TAHAP_MISMATCH',
    "Reject: the row's tahap column names another tahap than the import's --tahap, or its date lies outside that tahap",
  ),
  ERR_IMPORT_DUPLICATE: defineError(
    'EDC_ERR_IMPORT_DUPLICATE',
    'Reject: the bank reference already appeared on an earlier line of the same file (the first occurrence is kept)',
  ),
} as const;

/** Reject codes after which the parser yields nothing more. */
export const fatalImportCodes: ReadonlySet<string> = new Set([
  importErrors.ERR_IMPORT_HEADER.code,
  importErrors.ERR_IMPORT_CSV_SYNTAX.code,
  importErrors.ERR_IMPORT_RECORD_TOO_LONG.code,
  importErrors.ERR_IMPORT_TOO_MANY_ROWS.code,
]);

/**
 * Reject codes that refuse a whole file in `edc-gateway import disbursements`: the fatal ones (the
 * file cannot be read to its end) and those that say the file is not for the import's bank or
 * tahap. The parser itself goes on after a mismatch; the importer decides.
 */
export const refusingImportCodes: ReadonlySet<string> = new Set([
  ...fatalImportCodes,
  importErrors.ERR_IMPORT_BANK_MISMATCH.code,
  importErrors.ERR_IMPORT_TAHAP_MISMATCH.code,
]);

export const {
  ERR_IMPORT_OPTIONS,
  ERR_IMPORT_LAYOUT,
  ERR_IMPORT_READ,
  ERR_IMPORT_HEADER,
  ERR_IMPORT_CSV_SYNTAX,
  ERR_IMPORT_RECORD_TOO_LONG,
  ERR_IMPORT_TOO_MANY_ROWS,
  ERR_IMPORT_COLUMN_COUNT,
  ERR_IMPORT_KPM_ID,
  ERR_IMPORT_NIK,
  ERR_IMPORT_PAN,
  ERR_IMPORT_NAME,
  ERR_IMPORT_REGION,
  ERR_IMPORT_AMOUNT,
  ERR_IMPORT_STATUS,
  ERR_IMPORT_REFERENCE,
  ERR_IMPORT_DATE,
  ERR_IMPORT_BANK_MISMATCH,
  ERR_IMPORT_TAHAP_MISMATCH,
  ERR_IMPORT_DUPLICATE,
} = importErrors;
