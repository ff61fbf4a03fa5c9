/** Exceptions and audit: the exception workflow over the reconciliation's exception categories, and the audit log. */
import type { ExceptionKind } from '../../recon/exceptions.ts';
import type { Page, PageQuery } from './page.ts';

export type ExceptionState = 'open' | 'investigating' | 'resolved';
export type ResolutionReason = 'returned_to_treasury' | 'recovered_from_agent' | 'confirmed' | 'other';

export interface ExceptionView {
  /** K:{tahap}:{kpmId} for a KPM, W:{tahap}:{agentId}:{seq}:{hash} for a withdrawal. */
  readonly id: string;
  readonly tahap: string;
  readonly kind: ExceptionKind;
  readonly kpmId: string;
  readonly agentId: string | undefined;
  readonly amount: number;
  readonly state: ExceptionState;
  readonly history: readonly ExceptionEvent[];
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
  exceptions(
    tahap: string,
    query: PageQuery & { readonly state?: ExceptionState | undefined },
  ): Promise<Page<ExceptionView>>;
  /** Moves a current exception, writing its audit record in the same transaction. */
  transitionException(id: string, change: ExceptionChange): Promise<ExceptionView>;
  appendAudit(record: Omit<AuditRecord, 'id'>): Promise<AuditRecord>;
  /** The audit log, oldest first. */
  audit(query: { readonly after?: string | undefined; readonly limit: number }): Promise<Page<AuditRecord>>;
}
