import { describe, expect, it } from 'vitest';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { genesisHash, type LedgerEntry } from '../../../protocol/messages/index.ts';
import { runRig } from '../../../simulators/rig/index.ts';
import { pickTamperTarget } from '../../../simulators/rig/tamper.ts';

const small = { seed: 3, agents: 3, terminals: 2, kpm: 60 } as const;

/** A gateway that still answers as it should but keeps no evidence and lists no classified withdrawal. */
function blindStore(store: GatewayStore): GatewayStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'evidence') return () => Promise.resolve([]);
      if (property === 'withdrawals') return () => Promise.resolve({ items: [], next: undefined });
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function entry(seq: number, kind: 'withdrawal' | 'reversal'): LedgerEntry {
  return { seq, kind, prevHash: genesisHash } as LedgerEntry;
}

describe('field rig attacks', () => {
  it('an attack that never reached the gateway, or whose village had no signal, is never caught', async () => {
    const report = await runRig(small, undefined, { unreachable: true });
    const byName = new Map(report.result.attacks.map((a) => [a.name, a]));
    for (const name of ['tamperedLedger', 'clonedKey', 'doubleSpendUpload'] as const) {
      expect(byName.get(name)).toMatchObject({ gatewayStatus: 0, caught: false });
    }
    // The tampered agent could not reach the gateway: that is not its ledger check stopping it.
    expect(byName.get('tamperedLedger')!.agentSide).toMatch(/EDC_ERR_FORWARD_UNREACHABLE/);
    expect(byName.get('tamperedLedger')!.agentSide).not.toMatch(/stopped by EDC_ERR_LEDGER_CORRUPT/);
    expect(report.ok).toBe(false);
  }, 120_000);

  it('an attack is caught only by its own detection: answers without evidence or classification miss', async () => {
    const report = await runRig(small, undefined, { wrapStore: blindStore });
    const byName = new Map(report.result.attacks.map((a) => [a.name, a]));
    expect(byName.get('tamperedLedger')).toMatchObject({ gatewayStatus: 422, evidence: 0, caught: false });
    expect(byName.get('clonedKey')).toMatchObject({ gatewayStatus: 409, evidence: 0, caught: false });
    expect(byName.get('doubleSpendUpload')).toMatchObject({ gatewayStatus: 200, evidence: 0, caught: false });
    expect(byName.get('cardAtOtherAgent')!.caught).toBe(true);
    expect(report.ok).toBe(false);
  }, 120_000);

  it('pickTamperTarget() picks a withdrawal one upload from the acknowledged cursor carries, any queue', () => {
    const ledger = Array.from({ length: 1_400 }, (_, i) => entry(i + 1, i % 5 === 4 ? 'reversal' : 'withdrawal'));
    for (const ackSeq of [0, 37, 900]) {
      const target = pickTamperTarget(ledger, ackSeq)!;
      expect(target.kind).toBe('withdrawal');
      expect(target.seq).toBeGreaterThan(ackSeq);
      expect(target.seq - ackSeq).toBeLessThanOrEqual(500);
    }
    expect(pickTamperTarget(ledger, 1_400)).toBeUndefined();
  });

  it.runIf(process.env.EDC_RIG_LARGE === '1')(
    'seed 11 with 5,000 KPM: the tampered entry is inside what is uploaded, and caught (EDC_RIG_LARGE=1)',
    async () => {
      const report = await runRig({ seed: 11, kpm: 5_000 });
      const tamper = report.result.attacks.find((a) => a.name === 'tamperedLedger')!;
      expect(tamper).toMatchObject({ gatewayStatus: 422, gatewayCode: 'EDC_ERR_UPLOAD_ENTRY_INVALID', caught: true });
      expect(report.ok).toBe(true);
    },
    900_000,
  );
});
