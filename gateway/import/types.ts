/**
 * One validated row of a bank's disbursement (penyaluran) file, whatever the bank's layout.
 * Personal data (nik, pan, name) must be sealed or hashed by the store before it is persisted
 * and must never be logged.
 */
export type Bank = 'BNI' | 'BRI' | 'BTN' | 'MANDIRI';

/**
 * credited: the aid reached the KKS account.
 * failed: gagal transfer (closed or invalid account, identity mismatch).
 * returned: retur kas negara (undrawn or failed funds sent back to the treasury).
 */
export type DisbursementStatus = 'credited' | 'failed' | 'returned';

export interface DisbursementRow {
  /** 1-based physical line number in the file (the header is line 1). */
  readonly line: number;
  /** e.g. 2026-IV */
  readonly tahap: string;
  readonly bank: Bank;
  /** Programme id of the family, same format as protocol KpmId. */
  readonly kpmId: string;
  /** 16-digit NIK of the family's representative. */
  readonly nik: string;
  /** KKS card number: 16 to 19 digits, Luhn-valid. */
  readonly pan: string;
  readonly name: string;
  /** 10-digit Kemendagri village code: province (2), regency (2), district (2), village (4). */
  readonly regionCode: string;
  /** Integer rupiah, > 0. */
  readonly amount: number;
  readonly status: DisbursementStatus;
  /** The bank's reference of this credit, unique per bank and tahap (re-imports match on it). */
  readonly reference: string;
}

export interface DisbursementReject {
  readonly line: number;
  /** A stable code such as EDC_ERR_IMPORT_AMOUNT. */
  readonly code: string;
  /** What was expected and what was found, without personal data. */
  readonly reason: string;
}

export type ParsedDisbursement =
  { readonly ok: true; readonly row: DisbursementRow } | { readonly ok: false; readonly reject: DisbursementReject };
