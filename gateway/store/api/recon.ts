/** The reconciliation read model: continuous counters, category pages, settlements, and full recomputes. */
import type { ChainHead } from '../../../protocol/messages/signed.ts';
import type { KpmCategory, WithdrawalCategory } from '../../recon/classify.ts';
import type { DayCounters, SettlementCounters, TahapCounters } from '../../recon/counters.ts';
import type { DayWithdrawalView, PositionView, WithdrawalView } from '../../recon/views.ts';
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

export interface RegionSummaryQuery extends SummaryFilter {
  /** Length of the region prefix to group by: province 2, regency 4, district 6, village 10. */
  readonly digits: 2 | 4 | 6 | 10;
  /** A prefix of the previous page's `next`: prefixes after it. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface RegionCounters {
  /** The region code prefix (`digits` long; shorter only for a bucket whose code is, e.g. UNKNOWN's). */
  readonly region: string;
  readonly counters: TahapCounters;
}

/** Claimed withdrawals (every one but reversed and fault) of one local date, MMDD. */
export interface WithdrawalDay extends DayCounters {
  readonly localDate: string;
}

export interface ReconStore {
  /** The tahap's continuous counters over the buckets the filter selects (zero when none). */
  summary(tahap: string, filter: SummaryFilter): Promise<TahapCounters>;
  /**
   * The tahap's counters per region prefix of `digits` digits over the buckets the filter
   * selects, in prefix order (string order), only prefixes with a bucket; at most `limit` (1..1000)
   * per page, `next` the page's last prefix when more follow.
   */
  regionSummary(tahap: string, query: RegionSummaryQuery): Promise<Page<RegionCounters>>;
  positions(tahap: string, category: KpmCategory, query: PageQuery): Promise<Page<PositionView>>;
  withdrawals(tahap: string, category: WithdrawalCategory, query: PageQuery): Promise<Page<WithdrawalView>>;
  /**
   * The tahap's claimed withdrawals per local date (MMDD, string order) over the bank the filter
   * names, or all banks: at most withdrawalDaysPerBankMax (366) items, one per date with any.
   */
  withdrawalDays(tahap: string, filter: { readonly bank?: string | undefined }): Promise<readonly WithdrawalDay[]>;
  /** The claimed withdrawals of one local date, by bank, agent and seq; bank and region filter. */
  dayWithdrawals(tahap: string, localDate: string, query: PageQuery): Promise<Page<DayWithdrawalView>>;
  /** Per agent id. */
  settlements(tahap: string): Promise<Record<string, SettlementCounters>>;
  /** Full recompute from raw records (bounded memory), compared with the continuous state, stored. */
  reconcile(tahap: string, now: number): Promise<ReconResult>;
  /** Stored results, newest first. */
  reconResults(tahap: string, limit: number): Promise<ReconResult[]>;
}
