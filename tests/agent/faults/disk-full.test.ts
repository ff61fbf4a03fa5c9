/**
 * Disk full on a real small filesystem: a tmpfs of a few MiB is mounted (CI runs as root; where
 * mounting is not permitted the test is skipped with a printed notice, and the same cases run
 * through the fault-injecting storage in storage-faults.test.ts). The real core on real
 * LevelDB serves four terminals; a filler file takes the free space, so LevelDB's synced writes
 * fail with ENOSPC; classic-level would accept the writes after that on the same handle and
 * lose them at the next open (issue 10: 20 approvals answered 00, gone after a restart, their
 * seqs reused). The terminals must hear 96 while the disk is full, approvals must resume by
 * themselves once the filler is removed, and after a restart every 00 heard is in the ledger
 * exactly once, nothing approved is unheard, the ledger verifies and no seq was reused.
 * DISK_FULL_RUNS (default 3) runs, each leaving a different amount of space before the fault.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAgentCore } from '../../../agent/core/index.ts';
import { mountSmallDisk } from '../../support/small-disk.ts';
import { agentId, agentKeys, gatewayKeys, startMs } from '../core/fixtures.ts';
import { audit, bigSet, driveTerminals, heardWhileFaulty, report, sumAudits, until, type Audit } from './support.ts';

const runs = Number(process.env.DISK_FULL_RUNS ?? 3);
const disk = mountSmallDisk('edc-disk-full-', 8);
const { cannotMount } = disk;
if (cannotMount !== undefined)
  console.log(`disk-full test SKIPPED: ${cannotMount}; the fault-injecting storage covers disk full instead`);

afterAll(() => disk.remove());

async function oneRun(run: number, spareBytes: number): Promise<{ audit: Audit; during: string; failures: number }> {
  const dir = join(disk.path, `ledger-${run}`);
  // The fixtures' fake time: the set is issued for it.
  const clock = { now: () => startMs, monotonicNow: () => 0 };
  const open = () =>
    openAgentCore({ dir, agentId, seed: agentKeys.seed, gatewayPublicKey: gatewayKeys.publicKey, ...clock });
  const core = await open();
  await core.installEntitlementSet(bigSet());
  const driver = driveTerminals(core, 4, `D${run}`);
  await until(() => driver.approvals() >= 10, 'approvals before the disk fills');
  const since = performance.now();
  disk.fill(spareBytes);
  await until(() => driver.count('96', since) > 0, 'a 96 once the disk is full', 30_000);
  await new Promise((done) => setTimeout(done, 200));
  disk.free();
  const approvedBefore = driver.approvals();
  await until(() => driver.approvals() >= approvedBefore + 10, 'approvals after space came back', 60_000);
  await driver.stop();
  await core.close();
  const restarted = await open();
  try {
    expect((await restarted.verifyLedger()).problems).toEqual([]);
    expect((await restarted.status()).authorization.state).toBe('ok');
    const entries = await restarted.unacknowledged(100_000);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    return { audit: audit(entries, driver.heard), during: heardWhileFaulty(driver.codes, since), failures: 1 };
  } finally {
    await restarted.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(cannotMount !== undefined)('disk full on a real tmpfs', () => {
  it('answers 96 while the disk is full, approves again once space is back, loses nothing on restart', async () => {
    const audits: Audit[] = [];
    const during: string[] = [];
    for (let run = 0; run < runs; run++) {
      const found = await oneRun(run, [0, 12 * 1024, 48 * 1024][run % 3]!);
      expect(found.audit, `run ${run}`).toMatchObject({ lost: 0, duplicated: 0, unheard: 0 });
      audits.push(found.audit);
      during.push(found.during);
    }
    console.log(
      report('disk full (real tmpfs, ENOSPC)', {
        runs,
        injected: runs,
        heardWhileFaulty: during.join(' | '),
        ...sumAudits(audits),
      }),
    );
  }, 180_000);
});
