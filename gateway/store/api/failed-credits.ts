/**
 * Failed credits (gagal transfer): a bank row with status `failed`, and what a reconciler does
 * with it. States: failed -> revalidated (its data was corrected) -> redisbursed (a new credit
 * linked to it), or failed | revalidated -> returned (retur kas negara). redisbursed and returned
 * are final; a bank RETUR row of the credit returns it too, or confirms a reconciler's retur
 * (`bank_return` events). Figures follow: returned moves the amount from failed to returned; redisbursed moves
 * it from failed to credited (the new row), so disbursed never counts it twice.
 */
import type { Page } from './page.ts';

export type FailedCreditState = 'failed' | 'revalidated' | 'redisbursed' | 'returned';
export type FailedCreditAction = 'revalidate' | 'redisburse' | 'return';

/**
 * A bank RETUR row naming the failed credit (gateway/import/README.md "Retur rows"): applied by an
 * import, never a reconciler's step. It returns a failed or revalidated credit, or confirms a
 * reconciler's retur; the amount counts once, as returned.
 */
export type FailedCreditEventAction = FailedCreditAction | 'bank_return';

export interface FailedCreditEvent {
  readonly action: FailedCreditEventAction;
  readonly from: FailedCreditState;
  readonly to: FailedCreditState;
  readonly actor: string;
  readonly at: number;
  readonly note: string;
  /** redisburse: the new credit's reference. */
  readonly newReference?: string;
  /** bank_return: the bank file and line of the RETUR row. */
  readonly fileSha256?: string;
  readonly line?: number;
}

/** What a reconciler did with a failed row, kept on the row record. */
export interface FailedCreditSettlement {
  readonly state: Exclude<FailedCreditState, 'failed'>;
  readonly history: readonly FailedCreditEvent[];
  readonly newReference?: string;
}

export interface FailedCreditId {
  readonly tahap: string;
  readonly kpmId: string;
  readonly bank: string;
  readonly reference: string;
}

export interface FailedCreditView extends FailedCreditId {
  readonly regionCode: string;
  readonly amount: number;
  readonly line: number;
  readonly fileSha256: string;
  readonly state: FailedCreditState;
  readonly history: readonly FailedCreditEvent[];
  /** The re-disbursement credit's reference, once redisbursed. */
  readonly newReference?: string;
}

export interface FailedCreditStep {
  readonly action: FailedCreditAction;
  readonly actor: string;
  readonly now: number;
  /** What was corrected, why it is returned: 1-500 characters. */
  readonly note: string;
  /** redisburse only: the reference of the new credit (the bank's transfer reference). */
  readonly newReference?: string;
}

export interface FailedCreditStore {
  /** The tahap's failed bank rows with their state, in key order (kpmId, bank, reference). */
  failedCredits(
    tahap: string,
    query: { readonly after?: string | undefined; readonly limit: number },
  ): Promise<Page<FailedCreditView>>;
  /**
   * One step of a failed credit, with its audit record (`failedCredit.<action>`) and its effect on
   * the figures in the same transaction. EDC_ERR_NOT_FOUND when no failed row has that id;
   * EDC_ERR_FAILED_CREDIT_TRANSITION (nothing changes) when the step is not allowed from its state
   * or the new reference is already a row of the KPM.
   */
  stepFailedCredit(id: FailedCreditId, step: FailedCreditStep): Promise<FailedCreditView>;
}
