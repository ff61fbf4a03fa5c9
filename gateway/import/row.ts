/**
 * Validates one data record against its layout and the import's bank and tahap. Every field is
 * checked and every failure reported, so the bank can fix a row in one round; reasons say what
 * was expected and what was found, never with a full NIK, card number or name in them.
 */
import { kpmIdPattern } from '../../protocol/ids.ts';
import { importErrors } from './errors.ts';
import { amountExample, normalizeWord, parseAmount, parseDate } from './formats.ts';
import type { ColumnIndex, Field } from './header.ts';
import { checkNik, checkPan, checkRegionCode } from './identity.ts';
import type { LayoutSpec } from './layout.ts';
import type { ImportLimits } from './limits.ts';
import { tahapDateProblem } from './tahap-period.ts';
import type { Bank, DisbursementReject, DisbursementRow, DisbursementStatus } from './types.ts';

export interface RowContext {
  readonly layout: LayoutSpec;
  readonly index: ColumnIndex;
  readonly bank: Bank;
  readonly tahap: string;
  readonly limits: ImportLimits;
  /** Normalised status word -> status, built once per import. */
  readonly statusByWord: ReadonlyMap<string, DisbursementStatus>;
  /** Days after the tahap's quarter a credited or failed row may be dated (tahap-period.ts). */
  readonly dateGraceDays: number;
}

export type RowResult =
  { readonly ok: true; readonly row: DisbursementRow } | { readonly ok: false; readonly rejects: DisbursementReject[] };

/** protocol's KpmId (messages/schemas.ts) as a plain regex: a zod parse per row cost more than the test. */
export const referencePattern = /^[A-Za-z0-9/_.-]{1,64}$/;
// C0 controls, DEL, C1 controls and U+FFFD (what undecodable bytes become).
// eslint-disable-next-line no-control-regex -- matching control characters is the point here.
const controlPattern = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

/** A short quotable rendering of a non-personal value for a reason. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}...` : value);
}

export function statusVocabulary(layout: LayoutSpec): Map<string, DisbursementStatus> {
  const map = new Map<string, DisbursementStatus>();
  for (const status of ['credited', 'failed', 'returned'] as const) {
    for (const word of layout.statusWords[status]) map.set(normalizeWord(word), status);
  }
  return map;
}

function field(fields: readonly string[], index: ColumnIndex, name: Field): string {
  const at = index[name];
  return at === undefined ? '' : (fields[at] ?? '').trim();
}

export function validateRow(fields: readonly string[], line: number, ctx: RowContext): RowResult {
  const rejects: DisbursementReject[] = [];
  const fail = (code: string, reason: string): void => {
    rejects.push({ line, code, reason });
  };
  const get = (name: Field): string => field(fields, ctx.index, name);

  const kpmId = get('kpmId');
  if (!kpmIdPattern.test(kpmId))
    fail(importErrors.ERR_IMPORT_KPM_ID.code, `expected a KPM id of 4-32 of A-Z, 0-9 and -, found ${shown(kpmId)}`);
  const nik = get('nik');
  const nikProblem = checkNik(nik);
  if (nikProblem !== undefined) fail(importErrors.ERR_IMPORT_NIK.code, nikProblem);
  const pan = get('pan');
  const panProblem = checkPan(pan);
  if (panProblem !== undefined) fail(importErrors.ERR_IMPORT_PAN.code, panProblem);
  const name = get('name');
  const nameProblem = checkName(name, ctx.limits.nameCharsMax);
  if (nameProblem !== undefined) fail(importErrors.ERR_IMPORT_NAME.code, nameProblem);
  const regionCode = get('regionCode');
  const regionProblem = checkRegionCode(regionCode);
  if (regionProblem !== undefined) fail(importErrors.ERR_IMPORT_REGION.code, regionProblem);
  const amount = readAmount(get('amount'), ctx, fail);
  const status = readStatus(get('status'), ctx, fail);
  const reference = get('reference');
  if (!referencePattern.test(reference))
    fail(
      importErrors.ERR_IMPORT_REFERENCE.code,
      'expected a bank reference of 1-64 of A-Z, a-z, 0-9 and / _ . -, ' +
        `found ${reference === '' ? 'an empty field' : shown(reference)}`,
    );
  checkContext(fields, ctx, status, fail);

  if (rejects.length > 0 || amount === undefined || status === undefined) return { ok: false, rejects };
  return {
    ok: true,
    row: { line, tahap: ctx.tahap, bank: ctx.bank, kpmId, nik, pan, name, regionCode, amount, status, reference },
  };
}

function checkName(name: string, nameCharsMax: number): string | undefined {
  if (name === '') return 'expected a name, found an empty field';
  if (name.length > nameCharsMax) return `expected a name of at most ${nameCharsMax} characters, found ${name.length}`;
  const bad = name.search(controlPattern);
  if (bad >= 0)
    return `expected a name without control characters or undecodable bytes, found one at position ${bad + 1}`;
  return undefined;
}

function readAmount(text: string, ctx: RowContext, fail: (code: string, reason: string) => void): number | undefined {
  const amount = parseAmount(text, ctx.layout.amountFormat);
  if (amount === undefined) {
    fail(
      importErrors.ERR_IMPORT_AMOUNT.code,
      `expected a positive whole rupiah amount like ${amountExample(ctx.layout.amountFormat)}, ` +
        `found ${text === '' ? 'an empty field' : shown(text)}`,
    );
    return undefined;
  }
  if (amount > ctx.limits.amountRupiahMax) {
    fail(
      importErrors.ERR_IMPORT_AMOUNT.code,
      `expected an amount of at most ${ctx.limits.amountRupiahMax} rupiah, found ${amount}`,
    );
    return undefined;
  }
  return amount;
}

function readStatus(
  text: string,
  ctx: RowContext,
  fail: (code: string, reason: string) => void,
): DisbursementStatus | undefined {
  const status = ctx.statusByWord.get(normalizeWord(text));
  if (status === undefined)
    fail(
      importErrors.ERR_IMPORT_STATUS.code,
      `expected a status word among ${[...ctx.statusByWord.keys()].join(', ')}, ` +
        `found ${text === '' ? 'an empty field' : shown(text)}`,
    );
  return status;
}

/**
 * The optional date, bank and tahap columns: checked, then dropped (the row carries the import's).
 * A date outside the import's tahap is a tahap mismatch like a tahap column naming another one.
 */
function checkContext(
  fields: readonly string[],
  ctx: RowContext,
  status: DisbursementStatus | undefined,
  fail: (code: string, reason: string) => void,
): void {
  const { layout, index } = ctx;
  if (index.date !== undefined && layout.dateFormat !== undefined) {
    const text = field(fields, index, 'date');
    const date = parseDate(text, layout.dateFormat);
    if (date === undefined)
      fail(
        importErrors.ERR_IMPORT_DATE.code,
        `expected a date ${layout.dateFormat} (2000-2099), found ${text === '' ? 'an empty field' : shown(text)}`,
      );
    const problem =
      date === undefined || status === undefined
        ? undefined
        : tahapDateProblem(date, status, ctx.tahap, ctx.dateGraceDays);
    if (problem !== undefined) fail(importErrors.ERR_IMPORT_TAHAP_MISMATCH.code, problem);
  }
  if (index.bank !== undefined) {
    const text = field(fields, index, 'bank');
    if (normalizeWord(text) !== ctx.bank)
      fail(
        importErrors.ERR_IMPORT_BANK_MISMATCH.code,
        `expected bank ${ctx.bank} (the import's), found ${text === '' ? 'an empty field' : shown(text)}`,
      );
  }
  if (index.tahap !== undefined) {
    const text = field(fields, index, 'tahap');
    if (normalizeWord(text) !== ctx.tahap)
      fail(
        importErrors.ERR_IMPORT_TAHAP_MISMATCH.code,
        `expected tahap ${ctx.tahap} (the import's), found ${text === '' ? 'an empty field' : shown(text)}`,
      );
  }
}
