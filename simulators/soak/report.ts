/**
 * The soak's figures (`SoakReport`) and its summary text. The replay line is the exact command
 * that runs the same seed with the same options again.
 */
import type { SoakOptions } from './options.ts';
import { SoakOptions as SoakOptionsSchema } from './options.ts';
import type { SoakResult } from './run.ts';
import type { FaultKind } from './schedule.ts';
import type { Violation } from './check.ts';

export interface SoakReport {
  readonly v: 1;
  readonly ok: boolean;
  readonly options: SoakOptions;
  readonly runs: { readonly agentProcesses: number; readonly gatewayProcesses: number };
  readonly faults: { readonly injected: Record<FaultKind, number>; readonly total: number };
  readonly traffic: {
    readonly withdrawals: number;
    readonly approvals: number;
    readonly approvedAmount: number;
    readonly byCode: Record<string, number>;
  };
  readonly lost: number;
  readonly duplicated: number;
  /**
   * Faults the system itself detected and said so: storage faults armed that the agent recovered
   * from (its log: ledger reopened and verified), batches it answered 96 for a failed write,
   * withdrawals refused for a clock set back (91).
   */
  readonly detected: {
    readonly storageFaults: number;
    readonly storageFaultsArmed: number;
    readonly storageBatchesAnswered96: number;
    readonly clockRefusals: number;
  };
  readonly checks: { readonly continuous: number; readonly violations: number };
  readonly final: SoakResult['final'];
  readonly violations: readonly Violation[];
  readonly replay: string;
  readonly wallMs: number;
}

/** The command that runs these options again: the seed and minutes, and any option not at its default. */
export function replayCommand(options: SoakOptions): string {
  const defaults = SoakOptionsSchema.parse({});
  const flags = [`--seed ${options.seed}`, `--minutes ${options.minutes}`];
  if (options.agents !== defaults.agents) flags.push(`--agents ${options.agents}`);
  if (options.terminals !== defaults.terminals) flags.push(`--terminals ${options.terminals}`);
  if (options.kpm !== defaults.kpm) flags.push(`--kpm ${options.kpm}`);
  if (options.faultEveryMs !== defaults.faultEveryMs) flags.push(`--fault-every-ms ${options.faultEveryMs}`);
  return `npm run soak -- ${flags.join(' ')}`;
}

export function buildSoakReport(result: SoakResult): SoakReport {
  const { state } = result;
  const byCode: Record<string, number> = {};
  for (const h of state.heard) byCode[h.code] = (byCode[h.code] ?? 0) + 1;
  const approvals = state.heard.filter((h) => h.code === '00');
  const agents = state.field.agents.map((a) => a.process);
  return {
    v: 1,
    ok: state.violations.length === 0,
    options: result.options,
    runs: {
      agentProcesses: agents.reduce((sum, a) => sum + a.runs, 0),
      gatewayProcesses: state.field.gateway.runs,
    },
    faults: { injected: state.injected, total: Object.values(state.injected).reduce((s, n) => s + n, 0) },
    traffic: {
      withdrawals: state.heard.length,
      approvals: approvals.length,
      approvedAmount: approvals.reduce((sum, h) => sum + h.amount, 0),
      byCode,
    },
    lost: state.lost.size,
    duplicated: state.duplicated.size,
    detected: {
      storageFaults: state.storageFaultsHit,
      storageFaultsArmed: state.injected.storageFail + state.injected.storageTorn,
      storageBatchesAnswered96: agents.reduce((sum, a) => sum + a.logs.storageFailures, 0),
      clockRefusals: byCode['91'] ?? 0,
    },
    checks: { continuous: state.continuousChecks, violations: state.violations.length },
    final: result.final,
    violations: state.violations.slice(0, 50),
    replay: replayCommand(result.options),
    wallMs: Math.round(result.wallMs),
  };
}

export function formatSoakSummary(report: SoakReport): string {
  const rupiah = (n: number): string => `Rp ${n.toLocaleString('id-ID')}`;
  const injected = Object.entries(report.faults.injected)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const lines = [
    `soak seed ${report.options.seed}, ${report.options.minutes} min: ${report.ok ? 'OK' : 'GAGAL / FAILED'}`,
    `  runs           agent processes ${report.runs.agentProcesses}, gateway processes ${report.runs.gatewayProcesses}`,
    `  faults         ${report.faults.total} injected: ${injected}`,
    `  approvals      ${report.traffic.approvals} of ${report.traffic.withdrawals} withdrawals heard, ` +
      `${rupiah(report.traffic.approvedAmount)}; codes ${JSON.stringify(report.traffic.byCode)}`,
    `  lost           ${report.lost}`,
    `  duplicated     ${report.duplicated}`,
    `  detected       storage faults ${report.detected.storageFaults} of ${report.detected.storageFaultsArmed}` +
      ` armed (batches answered 96: ${report.detected.storageBatchesAnswered96}), ` +
      `clock refusals (91) ${report.detected.clockRefusals}`,
    `  checks         ${report.checks.continuous} continuous, ${report.checks.violations} violations`,
  ];
  if (report.final !== undefined)
    lines.push(
      `  final          ledgers ${report.final.ledgerEntries} entries = gateway ${report.final.gatewayEntries}; ` +
        `${report.final.withdrawals} withdrawals ${rupiah(report.final.withdrawnAmount)}, ` +
        `in the figures ${rupiah(report.final.categorizedAmount)}; reconcile exit ${report.final.reconcileStatus}`,
    );
  for (const v of report.violations) lines.push(`  VIOLATION ${v.invariant}: ${v.detail}`);
  if (!report.ok) lines.push(`Ulangi / replay: ${report.replay}`);
  return lines.join('\n') + '\n';
}
