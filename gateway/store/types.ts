/**
 * The gateway's store, as narrow interfaces by concern that an embedded LevelDB store
 * (store/level/) and a PostgreSQL store both implement; tests/gateway/store/conformance.ts holds
 * any implementation to them through these interfaces alone. Every write method is atomic: it
 * changes everything it says or nothing. Facts (rows, entries, evidence) are stored in the same
 * transaction as the reconciliation changes they cause, which recon/project.ts derives as plain
 * data, so summaries are ready at any moment. Consumers depend on the interfaces they use
 * (a route reading figures takes a ReconStore); the app holds the whole GatewayStore.
 */
import type { AgentStore } from './api/agents.ts';
import type { ChainStore } from './api/chains.ts';
import type { CheckpointStore } from './api/checkpoints.ts';
import type { DisbursementStore } from './api/disbursements.ts';
import type { ExceptionAuditStore } from './api/exceptions.ts';
import type { ReconStore } from './api/recon.ts';
import type { TokenNonceStore } from './api/access.ts';
import type { KpmLookupStore } from './api/kpm.ts';
import type { FailedCreditStore } from './api/failed-credits.ts';

export type * from './api/agents.ts';
export type * from './api/chains.ts';
export type * from './api/checkpoints.ts';
export type * from './api/disbursements.ts';
export type * from './api/exceptions.ts';
export type * from './api/recon.ts';
export type * from './api/access.ts';
export type * from './api/page.ts';
export type * from './api/kpm.ts';
export type * from './api/failed-credits.ts';
export type { DayWithdrawalView, PositionView, WithdrawalView } from '../recon/views.ts';

export interface GatewayStore
  extends
    AgentStore,
    ChainStore,
    CheckpointStore,
    DisbursementStore,
    ReconStore,
    ExceptionAuditStore,
    TokenNonceStore,
    KpmLookupStore,
    FailedCreditStore {
  /** Waits for running work (a reconcile in progress), then releases the store; later calls fail. */
  close(): Promise<void>;
}
