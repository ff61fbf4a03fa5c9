/**
 * The gateway's store, narrow enough that an embedded LevelDB store (store/level/) and a
 * PostgreSQL store can both implement it; tests/gateway/store/ holds the conformance tests any
 * implementation must pass. Every write method is atomic: it changes everything it says or
 * nothing. Reconciliation positions and counters move in the same atomic write as the facts
 * that change them (an upload, a disbursement import), so summaries are ready at any moment.
 */
import type { ChainHead } from '../../protocol/messages/signed.ts';
import type { Entitlement, LedgerEntry, Limits } from '../../protocol/messages/schemas.ts';
import type { DisbursementRow } from '../import/types.ts';
import type { Counters } from '../recon/counters.ts';
import type { Classification, KpmCategory, WithdrawalCategory } from '../recon/classify.ts';

export type Role = 'viewer' | 'reconciler' | 'admin';

export interface AgentRecord {
  readonly agentId: string;
  readonly publicKey: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly status: 'active' | 'revoked';
  /** Set when the gateway saw a fork or a tampered upload from this agent. */
  readonly flagged: boolean;
  readonly flags: readonly { readonly at: number; readonly kind: 'fork' | 'tampered'; readonly seq: number }[];
  /** Key of this agent's keyed PAN hashes (random, 32 bytes base64). */
  readonly lookupKey: string;
  readonly limits: Limits | undefined;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
}

export interface NewAgent {
  readonly agentId: string;
  readonly publicKey: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly kpmIds: readonly string[];
  readonly limits?: Limits;
}

export type IngestOutcome =
  | { readonly kind: 'accepted'; readonly accepted: number; readonly duplicates: number; readonly head: ChainHead }
  | { readonly kind: 'fork'; readonly seq: number; readonly storedHash: string; readonly foundHash: string }
  | { readonly kind: 'gap'; readonly headSeq: number; readonly expectedSeq: number; readonly foundSeq: number }
  | { readonly kind: 'prevHash'; readonly index: number; readonly seq: number };

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

/** A KPM's reconciled position: its classification's figures without the per-withdrawal detail. */
export type PositionView = { readonly kpmId: string } & Pick<
  Classification,
  | 'bank'
  | 'regionCode'
  | 'category'
  | 'credited'
  | 'failed'
  | 'returned'
  | 'drawn'
  | 'withdrawn'
  | 'unclaimed'
  | 'overdrawnExcess'
>;

export interface WithdrawalView {
  readonly agentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly kpmId: string;
  readonly amount: number;
  readonly category: WithdrawalCategory;
  readonly bank: string;
  readonly regionCode: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `after` for the next page; undefined on the last page. */
  readonly next: string | undefined;
}

export interface PageQuery {
  readonly after?: string | undefined;
  readonly limit: number;
  readonly bank?: string | undefined;
  /** Region code prefix: 2 digits = province, 4 = regency, 6 = district, 10 = village. */
  readonly region?: string | undefined;
}

export type ExceptionState = 'open' | 'investigating' | 'resolved';
export type ResolutionReason = 'returned_to_treasury' | 'recovered_from_agent' | 'confirmed' | 'other';

export interface ExceptionView {
  /** K:{tahap}:{kpmId} for a KPM, W:{tahap}:{agentId}:{seq}:{hash} for a withdrawal. */
  readonly id: string;
  readonly tahap: string;
  readonly kind: KpmCategory | WithdrawalCategory;
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

export interface AuditRecord {
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface TokenRecord {
  readonly tokenSha256: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
}

export interface ReconResult {
  readonly id: string;
  readonly tahap: string;
  readonly at: number;
  readonly agree: boolean;
  /** Counter keys or positions that differ (at most reconDifferencesMax). */
  readonly differences: readonly string[];
  readonly kpmCount: number;
  readonly totals: Counters;
  readonly settlements: Readonly<Record<string, Counters>>;
  readonly inputs: { readonly files: readonly string[]; readonly heads: Readonly<Record<string, ChainHead>> };
}

export interface EvidenceRecord {
  readonly agentId: string;
  readonly kind: 'fork' | 'tampered';
  readonly receivedAt: number;
  readonly found: LedgerEntry;
  readonly stored: LedgerEntry | undefined;
  readonly reason: string;
}

export interface GatewayStore {
  close(): Promise<void>;

  addAgent(
    agent: NewAgent,
    options: { readonly move: boolean; readonly now: number; readonly lookupKey: string },
  ): Promise<AgentRecord>;
  getAgent(agentId: string): Promise<AgentRecord | undefined>;
  listAgents(query: { readonly after?: string | undefined; readonly limit: number }): Promise<Page<AgentRecord>>;
  revokeAgent(agentId: string, now: number): Promise<AgentRecord>;
  agentKpms(agentId: string): AsyncIterable<string>;

  head(agentId: string): Promise<ChainHead>;
  /**
   * Stores entries that already passed schema, agentId, order, hash and signature checks as one
   * chain segment: duplicates acknowledged, a fork recorded as evidence (agent flagged), a gap or
   * a prevHash break refused, new entries appended with their reconciliation effects, atomically.
   */
  ingest(agentId: string, entries: readonly LedgerEntry[], receivedAt: number): Promise<IngestOutcome>;
  /** Records entries of a tampered upload (bad hash or signature) as evidence; flags the agent. */
  recordTampered(agentId: string, entries: readonly LedgerEntry[], reason: string, receivedAt: number): Promise<void>;
  entries(agentId: string, fromSeq: number, limit: number): Promise<LedgerEntry[]>;
  evidence(agentId: string, limit: number): Promise<EvidenceRecord[]>;

  applyDisbursements(
    rows: readonly DisbursementRow[],
    options: { readonly fileSha256: string; readonly now: number },
  ): Promise<DisbursementOutcome>;
  importedFiles(tahap: string | undefined): Promise<ImportedFile[]>;
  latestTahap(): Promise<string | undefined>;

  entitlementSnapshot(agentId: string, tahap: string): Promise<EntitlementSnapshot>;
  recordEntitlementSet(set: {
    readonly setId: string;
    readonly agentId: string;
    readonly tahap: string;
    readonly issuedAt: number;
    readonly expiresAt: number;
  }): Promise<void>;

  summary(
    tahap: string,
    filter: { readonly bank?: string | undefined; readonly region?: string | undefined },
  ): Promise<Counters>;
  positions(tahap: string, category: KpmCategory, query: PageQuery): Promise<Page<PositionView>>;
  withdrawals(tahap: string, category: WithdrawalCategory, query: PageQuery): Promise<Page<WithdrawalView>>;
  settlements(tahap: string): Promise<Record<string, Counters>>;

  exceptions(
    tahap: string,
    query: PageQuery & { readonly state?: ExceptionState | undefined },
  ): Promise<Page<ExceptionView>>;
  transitionException(
    id: string,
    change: {
      readonly to: ExceptionState;
      readonly reason: ResolutionReason | undefined;
      readonly note: string;
      readonly actor: string;
      readonly now: number;
    },
  ): Promise<ExceptionView>;

  appendAudit(record: Omit<AuditRecord, 'id'>): Promise<AuditRecord>;
  audit(query: { readonly after?: string | undefined; readonly limit: number }): Promise<Page<AuditRecord>>;

  putToken(record: TokenRecord): Promise<void>;
  getToken(tokenSha256: string): Promise<TokenRecord | undefined>;

  /** Full recompute from raw records (bounded memory), compared with the continuous state, stored. */
  reconcile(tahap: string, now: number): Promise<ReconResult>;
  reconResults(tahap: string, limit: number): Promise<ReconResult[]>;

  /** Every key and value (for tests and diagnostics; refuses more than snapshotRecordsMax). */
  snapshot(): Promise<Map<string, string>>;
}
