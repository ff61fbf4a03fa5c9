/**
 * The rig's report: a JSON document whose `result` part is a pure function of the seed and
 * options (same seed, same bytes, whatever the machine's load) and whose `run` part holds what
 * is truly wall-clock (wall time, ports, temporary paths); and the summary table printed on
 * stdout. Entry ids, timestamps, hashes and signatures never enter `result`: they depend on the
 * clock. Each chain enters it as a fingerprint of what the clock does not decide.
 */
import { createHash } from 'node:crypto';
import { tahapScalarFields, type SettlementCounters, type TahapCounters } from '../../gateway/recon/counters.ts';
import { kpmCategories, withdrawalCategories } from '../../gateway/recon/classify.ts';
import type { ReconResult } from '../../gateway/store/types.ts';
import { isResponseCode, responseCodes } from '../../protocol/iso8583/index.ts';
import type { LedgerEntry } from '../../protocol/messages/index.ts';
import type { SignalStats } from '../signal/proxy.ts';
import { formatRupiah } from '../terminal/index.ts';
import type { AttackResult } from './attacks.ts';
import type { AgentView, InvariantResult } from './check.ts';
import type { StepOutcome } from './drive.ts';
import type { RigOptions } from './options.ts';
import type { OutageWindow, Plan } from './plan.ts';
import type { ProbeResult } from './probes.ts';
import type { Field } from './setup.ts';

export interface RigReport {
  readonly v: 1;
  readonly ok: boolean;
  readonly result: {
    readonly options: RigOptions;
    readonly links: { readonly tcpAgents: number; readonly serialAgents: number };
    readonly bank: {
      readonly totals: Field['bankTotals'];
      readonly imports: Field['imports'];
      readonly malformedImport: Field['malformedImport'];
    };
    readonly outageWindows: number;
    readonly villages: readonly VillageRecord[];
    readonly transactions: {
      readonly planned: number;
      readonly byLabel: Record<string, Record<string, number>>;
      readonly byFault: Record<string, Record<string, number>>;
      readonly approved: number;
      readonly approvedAmount: number;
      readonly declinedByCode: Record<string, number>;
      readonly reversals: Record<string, number>;
    };
    readonly entries: readonly {
      readonly agentId: string;
      readonly role: AgentView['role'];
      readonly ledger: number;
      readonly gateway: number;
      readonly withdrawals: number;
      readonly reversals: number;
      readonly flagged: boolean;
      /** SHA-256 over the gateway chain's seq, kind, KPM, amount and reversed seq (see chainFingerprint). */
      readonly chain: string;
    }[];
    readonly reconciliation: {
      readonly agree: boolean;
      readonly kpm: Record<string, { count: number; credited: number }>;
      readonly withdrawals: Record<string, { count: number; amount: number }>;
      readonly totals: Record<string, number>;
      readonly settlements: Record<string, { payable: number; disputed: number }>;
    };
    readonly attacks: readonly (AttackResult & { readonly detail?: string })[];
    readonly probes: readonly ProbeResult[];
    readonly invariants: readonly InvariantResult[];
  };
  readonly run: {
    readonly wallMs: number;
    readonly dir: string;
    readonly gatewayUrl: string;
  };
}

/** One village's logical day and its signal, as planned and as its proxy counted it. */
export interface VillageRecord {
  readonly agentId: string;
  readonly steps: number;
  readonly outages: readonly OutageWindow[];
  readonly syncEverySteps: number;
  readonly syncPasses: number;
  readonly drainPasses: number;
  readonly signal: SignalStats;
}

export interface ReportInput {
  readonly options: RigOptions;
  readonly field: Field;
  readonly plan: Plan;
  readonly outcomes: readonly StepOutcome[];
  readonly views: readonly AgentView[];
  readonly counters: TahapCounters;
  readonly recon: ReconResult;
  readonly attacks: readonly AttackResult[];
  readonly probes: readonly ProbeResult[];
  readonly invariants: readonly InvariantResult[];
  readonly villages: readonly VillageRecord[];
  readonly settlements: Record<string, SettlementCounters>;
  readonly run: RigReport['run'];
}

function bump(into: Record<string, Record<string, number>>, a: string, b: string): void {
  const row = (into[a] ??= {});
  row[b] = (row[b] ?? 0) + 1;
}

/** Sorted keys so that the JSON text is the same whatever order the terminals finished in. */
function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function transactions(input: ReportInput): RigReport['result']['transactions'] {
  const byLabel: Record<string, Record<string, number>> = {};
  const byFault: Record<string, Record<string, number>> = {};
  const declinedByCode: Record<string, number> = {};
  const reversals: Record<string, number> = {};
  let approved = 0;
  let approvedAmount = 0;
  for (const o of input.outcomes) {
    bump(byLabel, o.label, o.code);
    if (o.fault !== 'none') bump(byFault, o.fault, o.code);
    if (o.toldApproved) {
      approved++;
      approvedAmount += o.amount;
    } else if (o.kind === 'withdraw') declinedByCode[o.code] = (declinedByCode[o.code] ?? 0) + 1;
    if (o.reversal !== undefined) reversals[o.reversal.code] = (reversals[o.reversal.code] ?? 0) + 1;
  }
  const deep = (r: Record<string, Record<string, number>>): Record<string, Record<string, number>> =>
    sorted(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, sorted(v)])));
  return {
    planned: input.plan.queues.flat(2).length + input.plan.doubleSpend.length * 2,
    byLabel: deep(byLabel),
    byFault: deep(byFault),
    approved,
    approvedAmount,
    declinedByCode: sorted(declinedByCode),
    reversals: sorted(reversals),
  };
}

function reconciliation(input: ReportInput): RigReport['result']['reconciliation'] {
  const c = input.counters;
  return {
    agree: input.recon.agree,
    kpm: Object.fromEntries(kpmCategories.map((k) => [k, { ...c.kpmByCategory[k] }])),
    withdrawals: Object.fromEntries(withdrawalCategories.map((w) => [w, { ...c.withdrawalsByCategory[w] }])),
    totals: Object.fromEntries(tahapScalarFields.map((k) => [k, c[k]])),
    settlements: sorted(
      Object.fromEntries(
        Object.entries(input.settlements).map(([id, s]) => [id, { payable: s.payable, disputed: s.disputed }]),
      ),
    ),
  };
}

/**
 * A chain's fingerprint: what decides the money, in chain order, without what the clock decides
 * (ids, times, hashes, signatures) and without which of two terminals won a concurrent double
 * spend (terminal and STAN: the attack's order is not the seed's, its outcome is).
 */
export function chainFingerprint(entries: readonly LedgerEntry[]): string {
  const seqOf = new Map(entries.map((e) => [e.id, e.seq]));
  const hash = createHash('sha256');
  for (const e of entries) {
    const reverses = e.kind === 'reversal' ? (seqOf.get(e.reverses) ?? e.reversesSeq) : 0;
    hash.update(`${e.seq}|${e.kind}|${e.kpmId}|${e.amount}|${reverses}\n`);
  }
  return hash.digest('hex');
}

export function buildReport(input: ReportInput): RigReport {
  const entries = input.views.map((v) => ({
    agentId: v.agentId,
    role: v.role,
    ledger: v.ledger.length,
    gateway: v.gateway.length,
    withdrawals: v.gateway.filter((e) => e.kind === 'withdrawal').length,
    reversals: v.gateway.filter((e) => e.kind === 'reversal').length,
    flagged: v.flagged,
    chain: chainFingerprint(v.gateway),
  }));
  const serialAgents = input.options.serialAgents;
  return {
    v: 1,
    ok: input.invariants.every((i) => i.ok) && input.attacks.every((a) => a.caught),
    result: {
      options: input.options,
      links: { tcpAgents: input.options.agents - serialAgents, serialAgents },
      bank: {
        totals: input.field.bankTotals,
        imports: input.field.imports,
        malformedImport: input.field.malformedImport,
      },
      outageWindows: input.villages.reduce((n, v) => n + v.outages.length, 0),
      villages: input.villages,
      transactions: transactions(input),
      entries,
      reconciliation: reconciliation(input),
      attacks: [...doubleSpendResults(input), ...input.attacks],
      probes: input.probes,
      invariants: input.invariants,
    },
    run: input.run,
  };
}

/**
 * The offline double spends are the agent's to stop, so they are judged from the terminals' own
 * answers, each by the decline it is meant to get: a card at an agent that does not serve its KPM
 * gets 14 (no entitlement for the card), and of one card at two terminals at once the write-ahead
 * ledger lets one through and answers the other 51 (its entitlement is spent).
 */
function doubleSpendResults(input: ReportInput): AttackResult[] {
  const other = input.outcomes.filter((o) => o.label === 'otherAgent');
  const pairs = input.outcomes.filter((o) => o.label === 'doubleSpend');
  const byCard = new Map<string, number>();
  for (const o of pairs)
    if (o.toldApproved && o.reversal === undefined) byCard.set(o.kpmId!, (byCard.get(o.kpmId!) ?? 0) + 1);
  const overdrawn = [...byCard.values()].filter((n) => n > 1).length;
  const offline = { agentId: '*', gatewayStatus: 0, gatewayCode: undefined, flagged: false, evidence: 0 };
  const results: AttackResult[] = [];
  if (other.length > 0)
    results.push({
      ...offline,
      name: 'cardAtOtherAgent',
      expected: 'every one declined offline with 14',
      agentSide:
        `${other.length} presented, ${other.filter((o) => o.toldApproved).length} approved,` +
        ` codes ${[...new Set(other.map((o) => o.code))].sort().join('/')}`,
      caught: other.every((o) => o.code === '14'),
    });
  if (pairs.length > 0)
    results.push({
      ...offline,
      name: 'clonedCardConcurrent',
      expected: 'per card one approval at most, every other answer 51',
      agentSide:
        `${pairs.length / 2} card(s) at two terminals at once:` +
        ` ${pairs.filter((o) => o.toldApproved).length} approved, ${overdrawn} overdrawn`,
      caught: overdrawn === 0 && pairs.every((o) => o.toldApproved || o.code === '51'),
    });
  return results;
}

function faultCount(stats: SignalStats): number {
  return Object.values(stats.faults).reduce((n, f) => n + f, 0);
}

/** "Kartu tidak dikenali / invalid card number": a code's names from protocol/'s table. */
export function codeNames(code: string): string {
  if (code === 'timeout') return 'tidak ada jawaban / no answer';
  return isResponseCode(code) ? `${responseCodes[code].id} / ${responseCodes[code].en}` : 'unknown code';
}

/** "14 (Kartu tidak dikenali / invalid card number)". */
export function nameCode(code: string): string {
  return `${code} (${codeNames(code)})`;
}

export function formatSummary(report: RigReport): string {
  const r = report.result;
  const t = r.transactions;
  const lines: string[] = [];
  const row = (label: string, value: string | number): void =>
    void lines.push(`  ${label.padEnd(44)} ${String(value)}`);
  lines.push(
    `edc-sim rig  seed ${r.options.seed}  agents ${r.options.agents} x terminals ${r.options.terminals}` +
      `  KPM ${r.options.kpm}  tahap ${r.options.tahap}`,
  );
  lines.push(
    `links: ${r.links.tcpAgents} agent(s) on TCP, ${r.links.serialAgents} on serial (socat pseudo-terminals)` +
      `  outage windows: ${r.outageWindows}`,
  );
  for (const v of r.villages)
    row(
      `village ${v.agentId}`,
      `${v.steps} steps, outages ${v.outages.map((w) => `${w.fromStep}-${w.toStep}`).join(' ') || 'none'},` +
        ` ${v.syncPasses} sync + ${v.drainPasses} drain passes, signal faults ${faultCount(v.signal)}`,
    );
  lines.push('', 'Withdrawals');
  row('requests (planned)', t.planned);
  row('approved (told 00)', `${t.approved}  ${formatRupiah(t.approvedAmount)}`);
  for (const [code, count] of Object.entries(t.declinedByCode)) row(`declined ${code}`, `${count}  ${codeNames(code)}`);
  for (const [code, count] of Object.entries(t.reversals))
    row(`reversal answered ${code}`, `${count}  ${codeNames(code)}`);
  for (const [fault, codes] of Object.entries(t.byFault))
    row(
      `fault ${fault}`,
      // Sorted by code: an object lists integer-like keys ('55') before others ('00').
      Object.entries(codes)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([c, n]) => `${n} x ${nameCode(c)}`)
        .join(', '),
    );
  lines.push('', 'Entries forwarded (agent ledger -> gateway)');
  for (const e of r.entries)
    row(`${e.agentId} (${e.role})`, `${e.ledger} -> ${e.gateway}${e.flagged ? '  FLAGGED' : ''}`);
  lines.push('', `Reconciliation (continuous = recompute: ${r.reconciliation.agree ? 'yes' : 'NO'})`);
  for (const [k, v] of Object.entries(r.reconciliation.kpm)) row(`KPM ${k}`, `${v.count}  ${formatRupiah(v.credited)}`);
  for (const [k, v] of Object.entries(r.reconciliation.withdrawals))
    row(`withdrawals ${k}`, `${v.count}  ${formatRupiah(v.amount)}`);
  for (const k of ['disbursed', 'withdrawn', 'unclaimed', 'failed', 'returned'])
    row(k, formatRupiah(r.reconciliation.totals[k] ?? 0));
  lines.push('', 'Attacks');
  for (const a of r.attacks) {
    const gatewaySide =
      a.gatewayStatus > 0
        ? `; gateway ${a.gatewayStatus} ${a.gatewayCode ?? ''}, flagged ${a.flagged}, evidence ${a.evidence}`
        : '';
    row(
      `${a.name}${a.agentId === '*' ? '' : ` (${a.agentId})`}`,
      `${a.caught ? 'CAUGHT' : 'MISSED'}  ${a.agentSide}${gatewaySide}`,
    );
    if (!a.caught) lines.push(`        expected: ${a.expected}`);
  }
  lines.push('', 'Invariants');
  for (const i of r.invariants) {
    row(`${i.id}. ${i.ok ? 'OK  ' : 'FAIL'}`, i.name);
    for (const v of i.violations) lines.push(`        ${v}`);
  }
  lines.push(
    '',
    report.ok ? 'RESULT: OK' : 'RESULT: VIOLATIONS FOUND',
    `wall time ${(report.run.wallMs / 1000).toFixed(1)} s`,
  );
  return lines.join('\n') + '\n';
}
