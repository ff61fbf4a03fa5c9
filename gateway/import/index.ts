/** Bank disbursement import: the gateway's public entry to parse a bank's penyaluran file. */
export type { Bank, DisbursementReject, DisbursementRow, DisbursementStatus, ParsedDisbursement } from './types.ts';
export { parseDisbursementBatches, parseDisbursements, resolveLayout, type ParseOptions } from './parse.ts';
export {
  writeRejectsReport,
  writeWithBackpressure,
  rejectsReportColumns,
  rejectsReportHeader,
  rejectsReportLine,
} from './rejects-report.ts';
export { summarizeImport, ImportTally, type ImportSummary } from './summary.ts';
export { importErrors, fatalImportCodes, refusingImportCodes } from './errors.ts';
export { dateGraceDaysMax, tahapDateProblem, tahapDays } from './tahap-period.ts';
export { LayoutSpecSchema, loadLayoutFile, validateLayout, type LayoutSpec, type LayoutSpecInput } from './layout.ts';
export { builtinLayouts, defaultLayoutByBank, briV1, bniV1, genericV1 } from './layouts/builtin.ts';
export { defaultImportLimits, type ImportLimits } from './limits.ts';
export {
  formatAmount,
  formatDate,
  parseAmount,
  parseDate,
  normalizeWord,
  type AmountFormat,
  type DateFormat,
  type CalendarDate,
} from './formats.ts';
export { checkNik, checkPan, checkRegionCode, luhnValid, luhnCheckDigit, maskPan, provinceCodes } from './identity.ts';
