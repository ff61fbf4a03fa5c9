/** Disbursements and entitlements: the banks' rows, imported files, and the sets issued to agents. */
import type { Entitlement, Limits } from '../../../protocol/messages/schemas.ts';
import type { DisbursementRow } from '../../import/types.ts';

export interface DisbursementOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly conflicts: number;
  /** The first conflictsListedMax conflicts (no personal data). */
  readonly conflictList: readonly {
    readonly line: number;
    readonly kpmId: string;
    readonly reference: string;
    readonly reason: string;
  }[];
}

export interface ImportedFile {
  readonly fileSha256: string;
  readonly bank: string;
  readonly tahap: string;
  readonly firstImportedAt: number;
}

export interface EntitlementSnapshot {
  readonly basedOnSeq: number;
  readonly lookupKey: string;
  readonly limits: Limits | undefined;
  readonly entitlements: readonly Entitlement[];
}

/**
 * An entitlement set as issued: what the reconciliation rules check a withdrawal naming it
 * against (gateway/README.md, Reconciliation): whom and which tahap it was for, its validity,
 * its per-withdrawal maximum and what it let each KPM draw.
 */
export interface EntitlementSetRecord {
  readonly setId: string;
  readonly agentId: string;
  readonly tahap: string;
  readonly issuedAt: number;
  /** Earliest `at` an honest agent stamps under it: issuedAt minus the request clock skew allowed. */
  readonly notBefore: number;
  readonly expiresAt: number;
  /** The agent's entries up to this seq were already subtracted from each remaining. */
  readonly basedOnSeq: number;
  readonly limits: Limits;
  /** At most entitlementsPerSetMax; a KPM listed twice counts once (the last). */
  readonly entitlements: readonly { readonly kpmId: string; readonly remaining: number }[];
}

export interface DisbursementStore {
  /**
   * Stores rows atomically with their reconciliation effects: a row already held (bank + tahap +
   * kpmId + reference) is a duplicate, or a conflict when its amount or status differs (not applied).
   */
  applyDisbursements(
    rows: readonly DisbursementRow[],
    options: { readonly fileSha256: string; readonly now: number },
  ): Promise<DisbursementOutcome>;
  /** Imported files, of one tahap or of all. */
  importedFiles(tahap: string | undefined): Promise<ImportedFile[]>;
  /** The latest tahap with imported rows or entries. */
  latestTahap(): Promise<string | undefined>;
  /** What the agent may pay out in the tahap, read together with its head. */
  entitlementSnapshot(agentId: string, tahap: string): Promise<EntitlementSnapshot>;
  /** Records a set as issued (a set id already recorded is left as it is). */
  recordEntitlementSet(set: EntitlementSetRecord): Promise<void>;
}
