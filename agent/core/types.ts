/**
 * The agent core's public types: the interface the agent's links, forwarder, status page and
 * CLI program against (see the AGENT CORE <-> AGENT I/O contract). Members may be added here;
 * one was replaced: cashFloatLeft (a float that reset with every entitlement set) became
 * offlineExposure (what is paid out and not yet acknowledged, against its limit).
 */
import type { Logger } from 'pino';
import type { CommitterDiagnostics } from './committer.ts';
import type { LedgerStorage } from './store.ts';
import type { IsoMessage } from '../../protocol/iso8583/types.ts';
import type { Bundle, LedgerEntry, SignedEntitlementSet, SignedReceipt } from '../../protocol/messages/index.ts';

export interface AgentCoreOptions {
  /** LevelDB folder of the ledger. */
  dir: string;
  agentId: string;
  /** The agent's Ed25519 seed, base64 (32 bytes). */
  seed: string;
  /** The gateway's Ed25519 public key, base64: verifies receipts and entitlement sets. */
  gatewayPublicKey: string;
  /** Injectable wall clock (ms since the epoch). */
  now?: () => number;
  /**
   * Injectable monotonic clock (ms, any origin; default performance.now): it keeps running
   * forward when the wall clock is set back, which is how such a set-back is noticed.
   */
  monotonicNow?: () => number;
  /** How far the wall clock may fall behind the highest time seen before withdrawals stop (default 5 min). */
  clockToleranceMs?: number;
  /**
   * Where the ledger lives (default: the disk). Tests and the soak simulation pass a
   * fault-injecting storage (faulty-db.ts); without this option, EDC_AGENT_STORAGE_FAULTS in the
   * environment turns one on.
   */
  storage?: LedgerStorage;
  logger?: Logger;
  /** Most requests decided and written in one synced batch (default 256). */
  groupCommitMax?: number;
  /**
   * Most writing requests (0200, 0400, 0500 of all terminals) waiting for a batch (default
   * 4,096); one more is answered 96 "Agen sedang sibuk, coba lagi" (EDC_ERR_CORE_BUSY in the log).
   */
  pendingRequestsMax?: number;
  /** Offset of the agent's local day from UTC, minutes, for "today's totals" (default 420, WIB). */
  utcOffsetMinutes?: number;
  /**
   * Testing and fault injection only: performs the synced batch write. The default is
   * `db.batch(ops, { sync: true })`; a wrapper can count batches or fail them.
   */
  writeBatch?: BatchWriter;
}

export interface ChainPoint {
  seq: number;
  hash: string;
}

export interface AgentCore {
  /**
   * 0800 -> 0810, 0100 -> 0110, 0200 -> 0210, 0400 -> 0410, 0500 -> 0510. A decision that
   * moves money is in a synced LevelDB batch (and the head record moved past it) before the
   * promise resolves. Never rejects for bad input (answers 30/12/...) nor for a failing or
   * damaged ledger (answers 96); rejects only once close() has begun (EDC_ERR_LEDGER_CLOSED).
   */
  handle(request: IsoMessage): Promise<IsoMessage>;
  head(): ChainPoint;
  ackHead(): ChainPoint;
  unacknowledged(limit: number): Promise<LedgerEntry[]>;
  applyReceipt(receipt: SignedReceipt): Promise<'advanced' | 'unchanged'>;
  installEntitlementSet(set: SignedEntitlementSet): Promise<void>;
  setForwardingHalt(reason: string | null): Promise<void>;
  status(): Promise<AgentCoreStatus>;
  verifyLedger(): Promise<LedgerVerification>;
  exportBundle(fromSeq?: number): Promise<Bundle>;
  /** What the core is doing now (a watchdog's dump when answers stop coming); counts and states only. */
  diagnostics(): CoreDiagnostics;
  close(): Promise<void>;
}

export interface CoreDiagnostics extends CommitterDiagnostics {
  readonly authorization: AuthorizationState['state'];
  /** Head record writes on their way to the disk, across every ledger of the process. */
  readonly headFileWritesPending: number;
}

export interface LedgerVerification {
  ok: boolean;
  entries: number;
  head: ChainPoint;
  problems: string[];
}

export interface DayTotals {
  /** The agent's local date, YYYY-MM-DD. */
  date: string;
  approvedCount: number;
  approvedAmount: number;
  reversedCount: number;
  reversedAmount: number;
  /** Declines of the day by response code, e.g. { "51": 2, "14": 1 }. */
  declinedByCode: Record<string, number>;
}

export interface AgentCoreStatus {
  agentId: string;
  head: ChainPoint;
  ackHead: ChainPoint;
  /** Entries not yet acknowledged by a gateway receipt. */
  queueDepth: number;
  /** The set's queueEntriesMax, or null when no set is installed. */
  queueEntriesMax: number | null;
  /** Age of the oldest unacknowledged entry by the agent clock, or null when none. */
  oldestUnacknowledgedAgeMs: number | null;
  /** When a verified receipt or entitlement set was last applied, or null. */
  lastSyncAt: number | null;
  entitlementSet: {
    setId: string;
    tahap: string;
    issuedAt: number;
    expiresAt: number;
    expired: boolean;
    kpmCount: number;
  } | null;
  /**
   * Offline exposure: rupiah of approved withdrawals the gateway has not yet acknowledged (net
   * of reversals of those same withdrawals), against the set's limits.cashFloat; a withdrawal
   * that would take it above the limit is declined until the agent syncs.
   */
  offlineExposure: { amount: number; max: number | null };
  today: DayTotals;
  haltReason: string | null;
  /** Whether the core authorizes now, and if not, why (Bahasa Indonesia line first). */
  authorization: AuthorizationState;
  clock: { timeHigh: number; gatewayTimeHigh: number; behindMs: number };
}

export type AuthorizationStateName = 'ok' | 'clock-behind' | 'storage-failed' | 'ledger-damaged';

export interface AuthorizationState {
  state: AuthorizationStateName;
  /** The coded error behind a refusal, or null when ok. */
  code: string | null;
  message: string | null;
  /** One status line for the agent (Bahasa Indonesia) and one in English, or null when ok. */
  id: string | null;
  en: string | null;
  since: number | null;
}

/** One operation of a LevelDB batch, as the core builds them (values are JSON). */
export type BatchOp =
  | { type: 'put'; sublevel: SublevelName; key: string; value: unknown }
  | { type: 'del'; sublevel: SublevelName; key: string };

export type SublevelName = 'entries' | 'ids' | 'dedupe' | 'reversals' | 'kpm' | 'sets' | 'terminals' | 'meta';

/** Writes one batch durably (fsync) or rejects; nothing of it is visible if it rejects. */
export type BatchWriter = (ops: readonly BatchOp[], write: (ops: readonly BatchOp[]) => Promise<void>) => Promise<void>;

export type { Bundle, LedgerEntry, SignedEntitlementSet, SignedReceipt, IsoMessage };
