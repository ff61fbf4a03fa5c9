import { describe, expect, it } from 'vitest';
import { runRig } from '../../../simulators/rig/index.ts';

describe('field rig over serial (socat) and TCP links', () => {
  it(
    'runRig() with outages and every attack loses or duplicates no approved withdrawal,' +
      ' catches every attack and balances the tahap',
    async () => {
      const report = await runRig({ seed: 11, agents: 3, terminals: 2, kpm: 150, serialAgents: 1, outagesPerAgent: 2 });
      const r = report.result;
      expect(r.links).toEqual({ tcpAgents: 2, serialAgents: 1 });
      expect(r.outageWindows).toBeGreaterThan(0);
      expect(r.invariants.map((i) => [i.id, i.violations])).toEqual([1, 2, 3, 4, 5].map((id) => [id, []]));
      expect(r.attacks.map((a) => [a.name, a.caught])).toEqual([
        ['cardAtOtherAgent', true],
        ['clonedCardConcurrent', true],
        ['tamperedLedger', true],
        ['clonedKey', true],
      ]);
      // Honest agents: every ledger entry reached the gateway once, nothing more.
      const honest = r.entries.filter((e) => e.role === 'honest');
      expect(honest.length).toBeGreaterThan(0);
      for (const e of honest) expect(e.gateway).toBe(e.ledger);
      expect(r.transactions.approved).toBeGreaterThan(50);
      const t = r.reconciliation.totals;
      expect(t.disbursed).toBe(t.withdrawn! + t.unclaimed! + t.failed! + t.returned!);
      expect(t.disbursed).toBe(r.bank.totals.disbursed);
      expect(report.ok).toBe(true);
    },
    60_000,
  );
});
