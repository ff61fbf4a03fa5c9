/**
 * The answers of the most recent committed decisions, in memory, so that a retransmission that
 * arrives while the ledger cannot be read (a storage failure being recovered) still gets its
 * original answer. Without it a 0200 approved 00, whose answer was lost on the line and which
 * the terminal sends again, would hear 96 and pay nothing while the ledger holds the withdrawal.
 * Bounded (recentDecisionsMax, oldest dropped first): a retransmission comes within seconds.
 */
import { recentDecisionsMax } from './limits.ts';
import type { DedupeRecord } from './round.ts';

export class RecentDecisions {
  private readonly records = new Map<string, DedupeRecord>();

  remember(key: string, record: DedupeRecord): void {
    this.records.delete(key);
    this.records.set(key, record);
    if (this.records.size > recentDecisionsMax) this.records.delete(this.records.keys().next().value!);
  }

  get(key: string): DedupeRecord | undefined {
    return this.records.get(key);
  }
}
