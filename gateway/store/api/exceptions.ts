/** Exceptions and audit: the exception workflow over the reconciliation's exception categories, and the audit log. */
import type { ExceptionAgeBucket, ExceptionKind, ResolutionReason } from '../../recon/exceptions.ts';
import type { Page, PageQuery } from './page.ts';

export type ExceptionState = 'open' | 'investigating' | 'resolved';
export type { ResolutionReason } from '../../recon/exceptions.ts';

export type ExceptionQuery = PageQuery & {
  readonly state?: ExceptionState | undefined;
  /** Only exceptions of this kind (an exception kind of recon/exceptions.ts). */
  readonly kind?: ExceptionKind | undefined;
  /** Only exceptions assigned to this staff member (a token's name). */
  readonly assignee?: string | undefined;
  /** Only exceptions in this ageing bucket at `now` (recon/exceptions.ts exceptionAgeBucket). */
  readonly age?: ExceptionAgeBucket | undefined;
  /** EpochMs the ages are measured at; required with `age`. */
  readonly now?: number | undefined;
};

export interface ExceptionAgeing {
  /** How many of the filtered exceptions fall in each ageing bucket. */
  readonly buckets: Readonly<Record<ExceptionAgeBucket, number>>;
  /** False when the scan stopped at its limit (exceptionAgeingScanRecordsMax) before the end. */
  readonly complete: boolean;
}

export interface ExceptionView {
  /**
   * K:{tahap}:{kpmId} for a KPM; W:{tahap}:{ref} for a withdrawal (recon/evidence.ts):
   * W:{tahap}:{agentId}:{seq}:{hash} for a chain entry, W:{tahap}:{agentId}:{seq}:{fork|tampered}:{evidenceHash}
   * for evidence.
   */
  readonly id: string;
  readonly tahap: string;
  readonly kind: ExceptionKind;
  readonly kpmId: string;
  readonly agentId: string | undefined;
  readonly amount: number;
  readonly state: ExceptionState;
  /** The staff member (a token's name) working it; undefined when nobody is. */
  readonly assignee: string | undefined;
  readonly history: readonly ExceptionEvent[];
  /**
   * EpochMs the exception was opened (its workflow record created by the first assignment or
   * transition; the first history event for older records); undefined while nobody has worked it.
   */
  readonly openedAt: number | undefined;
}

export interface ExceptionAssignment {
  /** A staff member's name; undefined to unassign. */
  readonly assignee: string | undefined;
  readonly actor: string;
  readonly now: number;
}

export interface ExceptionEvent {
  readonly at: number;
  readonly actor: string;
  readonly from: ExceptionState;
  readonly to: ExceptionState;
  readonly reason: ResolutionReason | undefined;
  readonly note: string;
}

export interface ExceptionChange {
  readonly to: ExceptionState;
  readonly reason: ResolutionReason | undefined;
  readonly note: string;
  readonly actor: string;
  readonly now: number;
}

export interface AuditRecord {
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface ExceptionAuditStore {
  /**
   * The tahap's current exceptions, filtered by bank, region prefix, state and kind, paged in an
   * order the store keeps (`after` continues it).
   */
  exceptions(tahap: string, query: ExceptionQuery): Promise<Page<ExceptionView>>;
  /**
   * Counts of the tahap's current exceptions (same filters as `exceptions`, but not `age` or paging)
   * per ageing bucket at `now`, scanning at most exceptionAgeingScanRecordsMax category records.
   */
  exceptionAgeing(
    tahap: string,
    query: Omit<ExceptionQuery, 'age' | 'after' | 'limit'>,
    now: number,
  ): Promise<ExceptionAgeing>;
  /**
   * Moves a current exception, writing its audit record in the same transaction. Resolving a
   * withdrawal's exception records the resolution as a fact of its KPM and applies what it moves
   * in the settlement (confirmed: to payable; any other reason: to refused) in that transaction.
   */
  transitionException(id: string, change: ExceptionChange): Promise<ExceptionView>;
  /**
   * Assigns a current exception that is not resolved to a staff member (or unassigns it), writing
   * an `exception.assign` audit record {exceptionId, from, to} in the same transaction; state and
   * history are unchanged, and a later transition keeps the assignee. EDC_ERR_NOT_FOUND when no
   * current exception has that id; EDC_ERR_EXCEPTION_TRANSITION when it is resolved.
   */
  assignException(id: string, assignment: ExceptionAssignment): Promise<ExceptionView>;
  appendAudit(record: Omit<AuditRecord, 'id'>): Promise<AuditRecord>;
  /** The audit log, oldest first. */
  audit(query: { readonly after?: string | undefined; readonly limit: number }): Promise<Page<AuditRecord>>;
}
