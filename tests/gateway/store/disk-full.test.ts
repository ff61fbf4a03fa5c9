/**
 * Disk full under the gateway's LevelDB store, on a real small filesystem: a tmpfs of a few MiB is
 * mounted (CI runs as root; where mounting is not permitted the test is skipped with a printed
 * notice). A real gateway (fastify on loopback, the real LevelStore on the tmpfs) takes signed
 * uploads from four agents; a filler file takes the free space, so LevelDB's writes fail with
 * ENOSPC. classic-level would keep accepting writes on that handle that are not durable, and
 * uploads answered 200 after the fault could vanish at the next open (the agents would then drop
 * entries the gateway does not hold). The store must latch instead: every request answers 503
 * EDC_ERR_STORE_FAILED while the disk is full, uploads succeed again by themselves once the filler
 * is removed (a fresh handle opens), and after a restart every entry answered 200 is stored exactly
 * once, the counters hold every rupiah, and reconcile agrees.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../../gateway/app.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { LevelStoreFault } from '../../../gateway/store/level/handle.ts';
import { LevelStore } from '../../../gateway/store/level/store.ts';
import { mountSmallDisk } from '../../support/small-disk.ts';
import { expectStoredOnce, forwardAll, newTally, until } from '../forward-support.ts';
import { enroll, issueSet, newAgent, panOf, row, tahap, testConfig, withdrawal } from '../helpers.ts';

const disk = mountSmallDisk('edc-gw-disk-full-', 16);
const { cannotMount } = disk;
if (cannotMount !== undefined) console.log(`gateway disk-full test SKIPPED: ${cannotMount}`);

afterAll(() => disk.remove());

const agentsN = 4;
const kpmsPerAgent = 300;
const perUpload = 3;
const amount = 10_000;

describe.skipIf(cannotMount !== undefined)('gateway LevelDB store on a full disk', () => {
  it('answers 503 EDC_ERR_STORE_FAILED while full, resumes by itself, and loses no entry answered 200', async () => {
    const keys = generateGatewayKeys();
    const path = join(disk.path, 'store');
    const faults: LevelStoreFault['kind'][] = [];
    const open = (onFault?: (f: LevelStoreFault) => void) =>
      LevelStore.open({ path, ...keys, tahapClosesAt: {}, onFault });
    const store = await open((f) => faults.push(f.kind));
    const fleet = [];
    for (let a = 0; a < agentsN; a++) {
      const agent = newAgent(`AGT-DF${a}`);
      const kpmIds = Array.from({ length: kpmsPerAgent }, (_, i) => `KPM-DF${a}-${String(i).padStart(4, '0')}`);
      await store.applyDisbursements(
        kpmIds.map((id) => row(id, amount)),
        { fileSha256: String(a).repeat(64), now: 1 },
      );
      await enroll(store, agent, kpmIds);
      const setId = await issueSet(store, agent, Date.now() + 3_600_000);
      const entries = kpmIds.map((kpmId) => withdrawal(agent, keys, { kpmId, amount, pan: panOf(kpmId), setId }));
      fleet.push({ agent, entries });
    }
    const { app } = await buildGateway({ store, keys, config: testConfig() });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const tally = newTally();
    const target = { base };
    try {
      const sending = Promise.all(fleet.map((f) => forwardAll(target, f.agent, f.entries, perUpload, tally)));
      await until(() => tally.ok >= 60, 'uploads before the disk fills', 30_000);
      disk.fill(32 * 1024);
      await until(() => faults.includes('write-failed'), 'a failed write once the disk is full', 30_000);
      const failedAt = tally.ok;
      // Reads too: nothing is read from a handle whose log is broken, and a balancer stops sending here.
      await expect(store.summary(tahap, {})).rejects.toMatchObject({ code: 'EDC_ERR_STORE_FAILED' });
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, ready.headers.get('retry-after'), ((await ready.json()) as { code: string }).code]).toEqual(
        [503, '5', 'EDC_ERR_STORE_FAILED'],
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      disk.free();
      await sending;
      expect(tally.ok).toBe(agentsN * kpmsPerAgent);
      expect(tally.ok).toBeGreaterThan(failedAt);
      expect(faults.at(-1)).toBe('reopened');
      // Every refusal was a coded, retryable 503: the store's latch (or the admission queue).
      expect([...tally.refusals.keys()].filter((k) => k !== '503 EDC_ERR_STORE_FAILED')).toEqual([]);
      expect(tally.refusals.get('503 EDC_ERR_STORE_FAILED')).toBeGreaterThan(0);
    } finally {
      disk.free();
      await app.close();
      await store.close();
    }
    // A restart: what LevelDB recovers is what the gateway holds.
    await expectStoredOnce(await open(), fleet, agentsN * kpmsPerAgent * amount);
  }, 120_000);
});
