/**
 * The seeded fault soak (simulators/soak): its flags, its schedule, a short run across real
 * agent and gateway processes in which every fault kind is injected and every invariant holds,
 * and a run whose ledger read loses one approved withdrawal (the test-only ledgerAsRead hook),
 * which the checker must catch and answer with the command that replays the seed.
 */
import { describe, expect, it } from 'vitest';
import type { Io } from '../../../simulators/cli/io.ts';
import { checkGatewayInLedger, checkLedger } from '../../../simulators/soak/check.ts';
import { soakCommand } from '../../../simulators/soak/main.ts';
import { parseSoakOptions } from '../../../simulators/soak/options.ts';
import { buildSoakReport, formatSoakSummary } from '../../../simulators/soak/report.ts';
import { runSoak } from '../../../simulators/soak/run.ts';
import { faultKinds, planFaults } from '../../../simulators/soak/schedule.ts';

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
    errIsTty: false,
    stopped: () => new Promise<void>(() => undefined),
  };
  return io;
}

describe('npm run soak: flags', () => {
  it('--help prints the usage in Bahasa Indonesia and English, exit 0', async () => {
    const io = capture();
    expect(await soakCommand(['--help'], io)).toBe(0);
    expect(io.stdout).toMatch(/Simulasi gangguan berbenih/);
    expect(io.stdout).toMatch(/A seeded fault soak/);
    expect(io.stdout).toMatch(/--minutes M/);
  });

  it.each([
    [['--seed', 'x'], /--seed: expected an integer/],
    [['--minutes', '0'], /--minutes: expected a number in 0\.1\.\./],
    [['--minutes', 'ten'], /--minutes/],
    [['--agents', '2'], /--agents: expected an integer in 3\.\.8/],
    [['--fault-every-ms', '10'], /--fault-every-ms/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with one coded line, exit 2, nothing run', async (argv, message) => {
    const io = capture();
    expect(await soakCommand(argv, io)).toBe(2);
    expect(io.stdout).toBe('');
    const lines = io.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^soak: EDC_ERR_SIM_USAGE: /);
    expect(lines[0]).toMatch(message);
  });

  it('refuses a --report path it cannot write before running anything, exit 1', async () => {
    const io = capture();
    expect(await soakCommand(['--report', '/nonexistent-folder/soak.json'], io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr.trim().split('\n')[0]).toMatch(/^soak: EDC_ERR_SIM_OUTPUT: /);
  });
});

describe('soak schedule', () => {
  it('is a function of the seed, and a short run meets every fault kind', () => {
    const options = parseSoakOptions({ seed: 7, minutes: 0.5, faultEveryMs: 2_000 });
    const plan = planFaults(options);
    expect(planFaults(options)).toEqual(plan);
    expect(planFaults(parseSoakOptions({ seed: 8, minutes: 0.5, faultEveryMs: 2_000 }))).not.toEqual(plan);
    expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(faultKinds));
    expect(plan.every((f) => f.atMs < 30_000 && f.agent >= 0 && f.agent < 3)).toBe(true);
    const jumps = plan.filter((f) => f.kind.startsWith('clock'));
    expect(jumps.every((f) => (f.kind === 'clockBack' ? f.magnitude < 0 : f.magnitude > 0))).toBe(true);
  });
});

describe('soak checker', () => {
  const entry = (seq: number, stan: string, amount: number, hash = `h${seq}`) =>
    ({
      kind: 'withdrawal',
      seq,
      hash,
      id: `id${seq}`,
      terminalId: 'EDC00101',
      stan,
      localDate: '1130',
      amount,
      kpmId: 'K1',
    }) as never;
  const heard = (stan: string, amount: number) => ({
    agent: 0,
    key: `EDC00101/${stan}/1130`,
    kpmId: 'K1',
    amount,
    code: '00',
    reversed: false,
  });

  it('counts an approval heard but missing, and a withdrawal written twice', () => {
    const result = checkLedger(
      'AGT-001',
      [heard('000001', 10_000), heard('000002', 20_000)],
      [entry(1, '000001', 10_000), entry(2, '000003', 10_000), entry(3, '000003', 10_000)],
    );
    expect(result).toMatchObject({ approvalsChecked: 2, lost: 1, duplicated: 1 });
  });

  it('finds a gateway entry that no ledger holds, or holds differently', () => {
    const ledger = [
      { seq: 1, hash: 'a' },
      { seq: 2, hash: 'b' },
    ];
    expect(checkGatewayInLedger('AGT-001', ledger, ledger, true)).toEqual([]);
    expect(checkGatewayInLedger('AGT-001', [{ seq: 3, hash: 'c' }], ledger, true)).toHaveLength(1);
    expect(checkGatewayInLedger('AGT-001', [{ seq: 3, hash: 'c' }], ledger, false)).toHaveLength(0);
    expect(checkGatewayInLedger('AGT-001', [{ seq: 2, hash: 'x' }], ledger, false)).toHaveLength(1);
  });
});

describe('soak: real processes, seeded faults', () => {
  it('a short soak injects every fault kind and loses, duplicates and hides nothing', async () => {
    const result = await runSoak({ seed: 7, minutes: 0.5, faultEveryMs: 2_000 });
    const report = buildSoakReport(result);
    console.log(formatSoakSummary(report));
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    for (const kind of faultKinds) expect(report.faults.injected[kind], kind).toBeGreaterThan(0);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.traffic.approvals).toBeGreaterThan(0);
    expect(report.detected.storageFaults).toBeGreaterThan(0);
    expect(report.detected.storageFaults).toBeLessThanOrEqual(report.detected.storageFaultsArmed);
    expect(report.runs.gatewayProcesses).toBeGreaterThan(1);
    expect(report.runs.agentProcesses).toBeGreaterThan(3);
    expect(report.checks.continuous).toBeGreaterThan(0);
    expect(report.final!.gatewayEntries).toBe(report.final!.ledgerEntries);
    expect(report.final!.categorizedAmount).toBe(report.final!.withdrawnAmount);
    expect(report.final!.withdrawnAmount).toBeGreaterThanOrEqual(report.traffic.approvedAmount);
    expect(report.final!.reconcileStatus).toBe(0);
  }, 600_000);

  it('fails when a ledger loses an approved withdrawal, and prints the command that replays the seed', async () => {
    let dropped: string | undefined;
    const result = await runSoak(
      { seed: 11, minutes: 0.1, faultEveryMs: 60_000 },
      {
        ledgerAsRead: (agentId, entries) => {
          if (dropped !== undefined) return entries;
          const victim = entries.find((e) => e.kind === 'withdrawal');
          if (victim === undefined) return entries;
          dropped = `${agentId}/${victim.seq}`;
          return entries.filter((e) => e !== victim);
        },
      },
    );
    const report = buildSoakReport(result);
    expect(dropped).toBeDefined();
    expect(report.ok).toBe(false);
    const kinds = new Set(report.violations.map((v) => v.invariant));
    expect(kinds).toContain('heardInLedger');
    expect(report.lost).toBe(1);
    expect(kinds).toContain('gatewayInLedger');
    expect(kinds).toContain('figures');
    const summary = formatSoakSummary(report);
    expect(summary).toMatch(/GAGAL \/ FAILED/);
    expect(summary).toContain('Ulangi / replay: npm run soak -- --seed 11 --minutes 0.1 --fault-every-ms 60000');
  }, 600_000);
});
