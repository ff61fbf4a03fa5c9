/** Limits of one import, units last. Each can be lowered (or raised) per call through ImportLimits. */
export interface ImportLimits {
  /** Characters in one CSV record (csv-parse max_record_size); a real row is ~150. */
  readonly recordCharsMax: number;
  /** Data rows in one file; the largest bank pays ~4.5 M KPM per tahap. */
  readonly rowsMax: number;
  /**
   * Largest credit of one KPM in one tahap: 4 components x Rp 750.000 = Rp 3.000.000, plus room for arrears
   * (rapel).
   */
  readonly amountRupiahMax: number;
  /** Characters of a name. */
  readonly nameCharsMax: number;
}

export const defaultImportLimits: ImportLimits = Object.freeze({
  recordCharsMax: 4096,
  rowsMax: 6_000_000,
  amountRupiahMax: 10_000_000,
  nameCharsMax: 100,
});
