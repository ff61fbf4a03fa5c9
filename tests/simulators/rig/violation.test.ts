import { describe, expect, it } from 'vitest';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { runRig } from '../../../simulators/rig/index.ts';

/** A store that hides one acknowledged entry of AGT-003 from every reader: an entry lost at the gateway. */
function losingEntry(store: GatewayStore): GatewayStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'entries') {
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return async (agentId: string, fromSeq: number, limit: number) => {
        const entries = await target.entries(agentId, fromSeq, limit);
        return agentId === 'AGT-003' ? entries.filter((e) => e.seq !== 2) : entries;
      };
    },
  });
}

describe('field rig checker', () => {
  it('runRig() reports a violation (ok false) when the gateway lost an acknowledged entry', async () => {
    const report = await runRig(
      { seed: 3, agents: 3, terminals: 2, kpm: 60, attacks: { tamper: false, clone: false, doubleSpend: false } },
      undefined,
      { wrapStore: losingEntry },
    );
    expect(report.ok).toBe(false);
    const failed = report.result.invariants.filter((i) => !i.ok).map((i) => i.id);
    expect(failed).toContain(1);
    expect(failed).toContain(2);
    expect(report.result.invariants.find((i) => i.id === 2)!.violations.join('\n')).toMatch(/AGT-003/);
  }, 60_000);
});
