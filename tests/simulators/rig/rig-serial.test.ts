import { describe, expect, it } from 'vitest';
import { runRig } from '../../../simulators/rig/index.ts';

describe('field rig over serial (socat) and TCP links', () => {
  it(
    'runRig() with outages and every attack loses or duplicates no approved withdrawal,' +
      ' catches every attack by its own detection and balances the tahap',
    async () => {
      const report = await runRig({ seed: 11, agents: 3, terminals: 2, kpm: 150, serialAgents: 1, outagesPerAgent: 2 });
      const r = report.result;
      expect(r.links).toEqual({ tcpAgents: 2, serialAgents: 1 });
      expect(r.outageWindows).toBe(6);
      expect(r.invariants.map((i) => [i.id, i.violations])).toEqual([1, 2, 3, 4, 5].map((id) => [id, []]));
      const attack = (name: string) => r.attacks.find((a) => a.name === name)!;
      expect(r.attacks.map((a) => [a.name, a.caught])).toEqual([
        ['cardAtOtherAgent', true],
        ['clonedCardConcurrent', true],
        ['tamperedLedger', true],
        ['doubleSpendUpload', true],
        ['clonedKey', true],
      ]);
      // Each caught by the detection it is meant to trigger.
      expect(attack('tamperedLedger')).toMatchObject({
        gatewayStatus: 422,
        gatewayCode: 'EDC_ERR_UPLOAD_ENTRY_INVALID',
      });
      expect(attack('tamperedLedger')).toMatchObject({ flagged: true, evidence: 1 });
      expect(attack('tamperedLedger').agentSide).toMatch(
        /stopped by EDC_ERR_LEDGER_CORRUPT after uploading \d+ intact/,
      );
      expect(attack('clonedKey')).toMatchObject({
        gatewayStatus: 409,
        gatewayCode: 'EDC_ERR_UPLOAD_FORK',
        flagged: true,
      });
      expect(attack('clonedKey').agentSide).toMatch(/stopped by EDC_ERR_FORWARD_FORK/);
      expect(attack('doubleSpendUpload')).toMatchObject({ gatewayStatus: 200, evidence: 2 });
      expect(r.reconciliation.withdrawals.duplicate!.count).toBe(1);
      expect(r.reconciliation.withdrawals.unknown_card!.count).toBe(1);
      // The honest agent, and the compromised one (its chain plus what its firmware appended):
      // every ledger entry reached the gateway once, nothing more.
      expect(r.entries.map((e) => e.role)).toEqual(['cloned', 'tampered', 'honest']);
      for (const e of [r.entries[0]!, r.entries[2]!]) expect(e.gateway).toBe(e.ledger);
      expect(r.transactions.approved).toBeGreaterThan(50);
      const t = r.reconciliation.totals;
      expect(t.disbursed).toBe(t.withdrawn! + t.unclaimed! + t.failed! + t.returned!);
      expect(t.disbursed).toBe(r.bank.totals.disbursed);
      expect(report.ok).toBe(true);
    },
    120_000,
  );
});
