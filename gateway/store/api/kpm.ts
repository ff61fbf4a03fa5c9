/** Complaint look-up (pengaduan): a KPM found by NIK or KKS card number, and its whole record. */
import type { ReversalFact } from '../../recon/classify.ts';
import type { PositionView, WithdrawalView } from '../../recon/views.ts';
import type { ExceptionView } from './exceptions.ts';

/** What a NIK or KKS (the card's PAN) is looked up by: the store's keyed hash, never the value. */
export type KpmLookupKind = 'nik' | 'kks';

/** A bank row as imported: where it came from, never its personal data. */
export interface KpmRowRecord {
  readonly bank: string;
  readonly reference: string;
  readonly fileSha256: string;
  readonly line: number;
  readonly amount: number;
  /** As counted: a failed row a reconciler settled reads returned or redisbursed (api/failed-credits.ts). */
  readonly status: 'credited' | 'failed' | 'returned' | 'redisbursed';
  readonly regionCode: string;
}

/** A withdrawal record of the KPM (chain entry or kept evidence) with its evidence fields and category. */
export interface KpmWithdrawalRecord extends WithdrawalView {
  /** The entry's ULID. */
  readonly id: string;
  readonly terminalId: string;
  readonly stan: string;
  /** MMDD, the terminal's local date (ISO 8583 field 13). */
  readonly localDate: string;
  /** When the agent decided, by its clock. */
  readonly at: number;
  /** When the gateway received it. */
  readonly receivedAt: number;
  /** The entitlement set it names, when the gateway issued that set to its agent for its tahap. */
  readonly setId: string | undefined;
}

export interface KpmTahapRecord {
  readonly tahap: string;
  /** The KPM's reconciled position now. */
  readonly position: PositionView;
  /** In import order. */
  readonly rows: readonly KpmRowRecord[];
  /** In (agentId, seq) order. */
  readonly withdrawals: readonly KpmWithdrawalRecord[];
  readonly reversals: readonly ReversalFact[];
  /** Current exceptions of the KPM and its withdrawals in this tahap, with state and history. */
  readonly exceptions: readonly ExceptionView[];
}

/** Opened from the sealed rows: only for roles allowed to see personal data. */
export interface KpmPersonal {
  readonly name: string;
  readonly nik: string;
  /** Last 4 digits of each distinct card number the bank rows hold. */
  readonly cardsLast4: readonly string[];
}

export interface KpmDossier {
  readonly kpmId: string;
  /** Every tahap the KPM has a position in, oldest first. */
  readonly tahaps: readonly KpmTahapRecord[];
  /** Present only when asked for (`personal: true`) and the KPM has a bank row. */
  readonly personal: KpmPersonal | undefined;
}

export interface KpmLookupStore {
  /**
   * The KPM id whose bank rows hold this NIK or KKS card number (the latest imported row's KPM
   * when several do), found by the keyed hash under the gateway's lookupKey; undefined when none.
   */
  findKpm(by: KpmLookupKind, value: string): Promise<string | undefined>;
  /**
   * The KPM's record in every tahap it has a position in; undefined when it has none. Opens the
   * sealed personal data only when `personal`. Reads only (no audit: the caller audits).
   */
  kpmDossier(kpmId: string, options: { readonly personal: boolean }): Promise<KpmDossier | undefined>;
}
