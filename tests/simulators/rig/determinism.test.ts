import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runRig } from '../../../simulators/rig/index.ts';

/** Busy loops, one per core, so the second run meets a loaded machine (timers late, I/O slow). */
function burnCpu(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

async function stop(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

describe('field rig reproducibility', () => {
  it('runRig() with the same seed gives the same result on an idle and on a loaded machine', async () => {
    // A serial (socat) agent, two blankspot windows per village and every attack: every place
    // where timing could leak in (ACK waits, outages, forwarding passes, the tamper target).
    const options = {
      seed: 5,
      kpm: 150,
      terminals: 3,
      serialAgents: 1,
      outagesPerAgent: 2,
      faults: { responseTimeout: 0.15, powerLoss: 0.15 },
    };
    const first = await runRig(options);
    const burners = burnCpu();
    let second;
    try {
      second = await runRig(options);
    } finally {
      await stop(burners);
    }
    expect(first.ok).toBe(true);
    expect(first.result.villages.some((v) => v.outages.length > 0 && v.syncPasses > 0)).toBe(true);
    expect(JSON.stringify(second.result, null, 1)).toBe(JSON.stringify(first.result, null, 1));
    // Only what is truly wall-clock stays out of the comparison.
    expect(Object.keys(first.run).sort()).toEqual(['dir', 'gatewayUrl', 'wallMs']);
  }, 180_000);
});
