/**
 * The soak's invariants, as pure functions over what was observed, so that a test can break one
 * on purpose (drop a ledger entry) and see the checker fail.
 *
 * Continuous (each time an agent or the gateway is down, its store is read):
 *   heard ⊆ ledger   every 0200 a terminal heard 00 is a withdrawal in its agent's ledger, with
 *                    its amount and KPM, not reversed (`lost` otherwise);
 *   no entry twice   no duplicate key (terminal, STAN, local date) among a ledger's withdrawals,
 *                    no seq twice (`duplicated` otherwise);
 *   gateway ⊆ ledger each gateway entry of an agent equals (seq, hash) the ledger entry at that seq;
 *                    a gateway head beyond a ledger read after it is a violation.
 * At the end (after the heal and drain), with every process stopped:
 *   gateway = ledger entry for entry, for every agent;
 *   the figures hold every rupiah: the sum of the reconciliation's withdrawal categories equals
 *   the sum of the withdrawals in the union of the ledgers, and `edc-gateway reconcile` finds the
 *   continuous figures equal to a full recompute.
 */
import type { LedgerEntry } from '../../protocol/messages/index.ts';
import type { Heard } from './terminals.ts';
import { keyOf } from './terminals.ts';

export interface Violation {
  readonly invariant:
    | 'heardInLedger'
    | 'noDuplicate'
    | 'ledgerVerifies'
    | 'gatewayInLedger'
    | 'gatewayEqualsLedgers'
    | 'figures'
    | 'process';
  readonly detail: string;
}

export interface LedgerCheck {
  /** Approvals heard by terminals: how many were checked against this ledger read. */
  readonly approvalsChecked: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Keys of the approvals lost and of the withdrawals written twice (the run counts each once). */
  readonly lostKeys: string[];
  readonly duplicatedKeys: string[];
  readonly violations: Violation[];
}

const entryKey = (e: LedgerEntry): string => keyOf(e.terminalId, e.stan, e.localDate);

/** heard ⊆ ledger and no entry twice, for one agent's ledger read in full. */
export function checkLedger(agentId: string, heard: readonly Heard[], entries: readonly LedgerEntry[]): LedgerCheck {
  const violations: Violation[] = [];
  const withdrawals = new Map<string, LedgerEntry[]>();
  const reversed = new Set<string>();
  const seqs = new Set<number>();
  const duplicatedKeys: string[] = [];
  for (const entry of entries) {
    if (seqs.has(entry.seq)) {
      duplicatedKeys.push(`${agentId}/seq ${entry.seq}`);
      violations.push({ invariant: 'noDuplicate', detail: `${agentId}: seq ${entry.seq} twice in the ledger` });
    }
    seqs.add(entry.seq);
    if (entry.kind === 'reversal') reversed.add(entry.reverses);
    else withdrawals.set(entryKey(entry), [...(withdrawals.get(entryKey(entry)) ?? []), entry]);
  }
  for (const [key, found] of withdrawals) {
    if (found.length < 2) continue;
    duplicatedKeys.push(key);
    violations.push({ invariant: 'noDuplicate', detail: `${agentId}: withdrawal ${key} ${found.length} times` });
  }
  const lostKeys: string[] = [];
  let approvalsChecked = 0;
  for (const approval of heard) {
    if (approval.code !== '00') continue;
    approvalsChecked += 1;
    const found = (withdrawals.get(approval.key) ?? []).filter(
      (e) => e.amount === approval.amount && e.kpmId === approval.kpmId && !reversed.has(e.id),
    );
    if (found.length > 0) continue;
    lostKeys.push(approval.key);
    violations.push({
      invariant: 'heardInLedger',
      detail:
        `${agentId}: approval ${approval.key} (${approval.kpmId}, Rp ${approval.amount})` +
        ' heard 00, not in the ledger',
    });
  }
  return {
    approvalsChecked,
    lost: lostKeys.length,
    duplicated: duplicatedKeys.length,
    lostKeys,
    duplicatedKeys,
    violations,
  };
}

export interface ChainPoint {
  readonly seq: number;
  readonly hash: string;
}

/**
 * gateway ⊆ ledger on the seqs both hold; `ledgerIsNewer`: the ledger was read after the gateway
 * chain, so the gateway cannot hold more than it.
 */
export function checkGatewayInLedger(
  agentId: string,
  gateway: readonly ChainPoint[],
  ledger: readonly ChainPoint[],
  ledgerIsNewer: boolean,
): Violation[] {
  const violations: Violation[] = [];
  const bySeq = new Map(ledger.map((e) => [e.seq, e.hash]));
  const head = ledger.reduce((max, e) => Math.max(max, e.seq), 0);
  const seen = new Set<number>();
  for (const entry of gateway) {
    if (seen.has(entry.seq))
      violations.push({ invariant: 'noDuplicate', detail: `${agentId}: seq ${entry.seq} twice at the gateway` });
    seen.add(entry.seq);
    const hash = bySeq.get(entry.seq);
    if (hash === undefined && (ledgerIsNewer || entry.seq <= head))
      violations.push({ invariant: 'gatewayInLedger', detail: `${agentId}: gateway seq ${entry.seq} is in no ledger` });
    else if (hash !== undefined && hash !== entry.hash)
      violations.push({
        invariant: 'gatewayInLedger',
        detail:
          `${agentId}: gateway seq ${entry.seq} hash ${entry.hash.slice(0, 12)}..` +
          ` != ledger ${hash.slice(0, 12)}..`,
      });
  }
  return violations;
}

/** The end: gateway chain = ledger, entry for entry. */
export function checkGatewayEqualsLedger(
  agentId: string,
  gateway: readonly ChainPoint[],
  ledger: readonly ChainPoint[],
): Violation[] {
  const violations = checkGatewayInLedger(agentId, gateway, ledger, true);
  const atGateway = new Set(gateway.map((e) => e.seq));
  const missing = ledger.filter((e) => !atGateway.has(e.seq));
  if (missing.length > 0)
    violations.push({
      invariant: 'gatewayEqualsLedgers',
      detail: `${agentId}: ${missing.length} ledger entries never reached the gateway (first seq ${missing[0]!.seq})`,
    });
  return violations;
}

export interface Figures {
  /** Sum of amounts over the reconciliation's withdrawal categories (`report` counters). */
  readonly categorizedAmount: number;
  readonly categorizedCount: number;
  /** `edc-gateway reconcile` exit status: 0 when the continuous figures equal a full recompute. */
  readonly reconcileStatus: number;
  readonly balanced: boolean;
}

/** Every rupiah paid shows in some figure; the continuous figures equal the recompute. */
export function checkFigures(figures: Figures, ledgers: ReadonlyMap<string, readonly LedgerEntry[]>): Violation[] {
  const violations: Violation[] = [];
  let amount = 0;
  let count = 0;
  for (const entries of ledgers.values())
    for (const e of entries)
      if (e.kind === 'withdrawal') {
        amount += e.amount;
        count += 1;
      }
  if (amount !== figures.categorizedAmount || count !== figures.categorizedCount)
    violations.push({
      invariant: 'figures',
      detail:
        `ledgers hold ${count} withdrawals, Rp ${amount}; the reconciliation's categories hold ` +
        `${figures.categorizedCount}, Rp ${figures.categorizedAmount}`,
    });
  if (figures.reconcileStatus !== 0)
    violations.push({ invariant: 'figures', detail: `edc-gateway reconcile exited ${figures.reconcileStatus}` });
  if (!figures.balanced)
    violations.push({ invariant: 'figures', detail: 'the tahap does not balance (disbursed != withdrawn + rest)' });
  return violations;
}
