import { describe, expect, it } from 'vitest';
import { runRig } from '../../../simulators/rig/index.ts';

describe('field rig reproducibility', () => {
  it('runRig() with the same seed twice gives byte-equal result sections', async () => {
    const options = { seed: 5, agents: 3, terminals: 2, kpm: 90 };
    const first = await runRig(options);
    const second = await runRig(options);
    expect(first.ok).toBe(true);
    expect(JSON.stringify(second.result)).toBe(JSON.stringify(first.result));
    // The run section is where timing-dependent values live, and it is not compared.
    expect(first.run.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 60_000);
});
