/** The reconciliation read model: continuous counters, category pages, settlements, and full recomputes. */
import type { ChainHead } from '../../../protocol/messages/signed.ts';
import type { KpmCategory, WithdrawalCategory } from '../../recon/classify.ts';
import type { SettlementCounters, TahapCounters } from '../../recon/counters.ts';
import type { PositionView, WithdrawalView } from '../../recon/views.ts';
import type { Page, PageQuery } from './page.ts';

export interface ReconResult {
  readonly id: string;
  readonly tahap: string;
  readonly at: number;
  readonly agree: boolean;
  /** Readable differences (positions, `counters BANK/REGION: w.ok.count`, ...), at most reconDifferencesMax. */
  readonly differences: readonly string[];
  readonly kpmCount: number;
  readonly totals: TahapCounters;
  readonly settlements: Readonly<Record<string, SettlementCounters>>;
  readonly inputs: { readonly files: readonly string[]; readonly heads: Readonly<Record<string, ChainHead>> };
}

export interface SummaryFilter {
  readonly bank?: string | undefined;
  /** Region code prefix. */
  readonly region?: string | undefined;
}

export interface ReconStore {
  /** The tahap's continuous counters over the buckets the filter selects (zero when none). */
  summary(tahap: string, filter: SummaryFilter): Promise<TahapCounters>;
  positions(tahap: string, category: KpmCategory, query: PageQuery): Promise<Page<PositionView>>;
  withdrawals(tahap: string, category: WithdrawalCategory, query: PageQuery): Promise<Page<WithdrawalView>>;
  /** Per agent id. */
  settlements(tahap: string): Promise<Record<string, SettlementCounters>>;
  /** Full recompute from raw records (bounded memory), compared with the continuous state, stored. */
  reconcile(tahap: string, now: number): Promise<ReconResult>;
  /** Stored results, newest first. */
  reconResults(tahap: string, limit: number): Promise<ReconResult[]>;
}
