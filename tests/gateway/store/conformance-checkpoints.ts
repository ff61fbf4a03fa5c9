/**
 * Conformance of the CheckpointStore interface (gateway/store/api/checkpoints.ts) and of what
 * the gateway does with checkpoints: accept (verify, store, compare with the chain) and refuse
 * an upload that disagrees with a held checkpoint as a fork with the checkpoint as evidence.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptCheckpoint } from '../../../gateway/checkpoints/accept.ts';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { withdrawalCategories } from '../../../gateway/recon/categories.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { CheckpointRecord, GatewayStore } from '../../../gateway/store/types.ts';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { generateSigningKeyPair } from '../../../protocol/crypto/ed25519.ts';
import { encodeCheckpoint } from '../../../protocol/sms/index.ts';
import { newAgent, panOf, tahap, testLimits, withdrawal, type TestAgent } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';

export function describeCheckpointConformance(name: string, open: StoreFactory): void {
  describe(`${name} conforms to CheckpointStore, and checkpoints catch rewritten history`, () => {
    let h: StoreHandle;
    let keys: GatewayKeys;
    let a: TestAgent;
    const store = (): GatewayStore => h.store;
    const origin = { source: 'modem' as const, sender: '+6281100000001', receivedAt: 50 };

    beforeEach(async () => {
      keys = generateGatewayKeys();
      h = await open({ keys, tahapClosesAt: {}, nonceEntriesMax: 3 });
      a = newAgent('AGT-A');
      a.record = await store().addAgent(
        { agentId: 'AGT-A', publicKey: a.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: ['KPM-0001'] },
        { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      await store().recordEntitlementSet({
        setId: 'SETA0000000000000000000001',
        agentId: 'AGT-A',
        tahap,
        issuedAt: 1,
        notBefore: 0,
        expiresAt: 1_000_000,
        basedOnSeq: 0,
        limits: testLimits,
        entitlements: [{ kpmId: 'KPM-0001', remaining: 100_000_000 }],
      });
    });
    afterEach(async () => h.destroy());

    const entry = (amount: number) =>
      withdrawal(a, keys, { kpmId: 'KPM-0001', amount, pan: panOf('KPM-0001'), setId: 'SETA0000000000000000000001' });
    const record = (seq: number, headHash: string, extra: Partial<CheckpointRecord> = {}): CheckpointRecord => ({
      agentId: 'AGT-A',
      seq,
      at: 10,
      withdrawn: 1000,
      reversed: 0,
      headHash,
      sig: 'ab'.repeat(64),
      ...origin,
      ...extra,
    });

    it("keeps an agent's last contact, each time only moving forward; an unknown agent is refused", async () => {
      expect(await store().agentContact('AGT-A')).toBeUndefined();
      await store().recordAgentContact('AGT-A', {
        lastContactAt: 100,
        lastUploadAt: 100,
        lastEntitlementAt: undefined,
      });
      await store().recordAgentContact('AGT-A', { lastContactAt: 90, lastUploadAt: undefined, lastEntitlementAt: 90 });
      expect(await store().agentContact('AGT-A')).toEqual({
        lastContactAt: 100,
        lastUploadAt: 100,
        lastEntitlementAt: 90,
      });
      await store().recordAgentContact('AGT-A', { lastContactAt: 200, lastUploadAt: 150 });
      expect(await store().agentContact('AGT-A')).toMatchObject({ lastContactAt: 200, lastUploadAt: 150 });
      await expect(store().recordAgentContact('AGT-Z', { lastContactAt: 1 })).rejects.toMatchObject({
        code: 'EDC_ERR_AGENT_UNKNOWN',
      });
      expect(await store().agentContact('AGT-Z')).toBeUndefined();
    });

    it("keeps the agent's reported head and queue with its contact; an older report never replaces newer", async () => {
      const report = (at: number, headSeq: number, queued: number) => ({
        at,
        headSeq,
        headHash: 'ab'.repeat(32),
        queued,
        ...(queued > 0 ? { oldestQueuedAt: at - 5 } : {}),
      });
      await store().recordAgentContact('AGT-A', { lastContactAt: 100, reported: report(100, 40, 12) });
      await store().recordAgentContact('AGT-A', { lastContactAt: 110, reported: report(90, 30, 20) });
      expect(await store().agentContact('AGT-A')).toMatchObject({ lastContactAt: 110, reported: report(100, 40, 12) });
      await store().recordAgentContact('AGT-A', { lastContactAt: 120 });
      expect((await store().agentContact('AGT-A'))?.reported).toEqual(report(100, 40, 12));
      await store().recordAgentContact('AGT-A', { lastContactAt: 130, reported: report(130, 52, 0) });
      expect((await store().agentContact('AGT-A'))?.reported).toEqual(report(130, 52, 0));
    });

    it('putCheckpoint keeps one per seq (duplicate; conflict keeps the first), reads last and ranges', async () => {
      expect(await store().putCheckpoint(record(3, 'aa'.repeat(32)))).toEqual({ kind: 'stored' });
      expect(await store().putCheckpoint(record(3, 'aa'.repeat(32), { receivedAt: 99 }))).toEqual({
        kind: 'duplicate',
      });
      const conflict = await store().putCheckpoint(record(3, 'bb'.repeat(32)));
      expect(conflict).toMatchObject({ kind: 'conflict', held: { headHash: 'aa'.repeat(32), receivedAt: 50 } });
      await store().putCheckpoint(record(12, 'cc'.repeat(32)));
      await store().putCheckpoint(record(7, 'dd'.repeat(32)));
      expect(await store().checkpointAt('AGT-A', 3)).toEqual(record(3, 'aa'.repeat(32)));
      expect(await store().checkpointAt('AGT-A', 4)).toBeUndefined();
      expect((await store().lastCheckpoint('AGT-A'))?.seq).toBe(12);
      expect(await store().lastCheckpoint('AGT-B')).toBeUndefined();
      expect((await store().checkpointsFrom('AGT-A', 4, 10)).map((c) => c.seq)).toEqual([7, 12]);
      expect((await store().checkpointsFrom('AGT-A', 1, 1)).map((c) => c.seq)).toEqual([3]);
      await expect(store().putCheckpoint(record(1, 'aa'.repeat(32), { agentId: 'AGT-NONE' }))).rejects.toMatchObject({
        code: 'EDC_ERR_AGENT_UNKNOWN',
      });
      await h.restart({ tahapClosesAt: {} });
      expect((await store().lastCheckpoint('AGT-A'))?.seq).toBe(12);
    });

    it('acceptCheckpoint verifies the agent key, stores, and compares with the held chain', async () => {
      const e1 = entry(100_000);
      await ingestSegment(store(), a.record!, [e1], 10);
      const body = { agentId: 'AGT-A', seq: 1, at: 20, withdrawn: 100_000, reversed: 0, headHash: e1.hash };
      const octets = encodeCheckpoint(body, a.seed);
      expect(await acceptCheckpoint(store(), octets, origin)).toMatchObject({ put: 'stored', chain: 'consistent' });
      expect(await acceptCheckpoint(store(), octets, origin)).toMatchObject({ put: 'duplicate' });
      const ahead = encodeCheckpoint({ ...body, seq: 5, headHash: 'ee'.repeat(32) }, a.seed);
      expect(await acceptCheckpoint(store(), ahead, origin)).toMatchObject({ put: 'stored', chain: 'ahead' });
      const other = encodeCheckpoint({ ...body, seq: 1, headHash: 'ff'.repeat(32) }, a.seed);
      expect((await store().getAgent('AGT-A'))?.flagged).toBe(false);
      expect(await acceptCheckpoint(store(), other, origin)).toMatchObject({ put: 'conflict', chain: 'fork' });
      // The agent signed a head the held chain does not have: flagged fork at that seq, once.
      expect(await acceptCheckpoint(store(), other, { ...origin, receivedAt: 60 })).toMatchObject({ chain: 'fork' });
      expect(await store().getAgent('AGT-A')).toMatchObject({
        flagged: true,
        flags: [{ kind: 'fork', seq: 1, at: 50 }],
      });
      expect(await store().evidence('AGT-A', 10)).toEqual([]);
      const forged = encodeCheckpoint({ ...body, seq: 2 }, generateSigningKeyPair().seed);
      await expect(acceptCheckpoint(store(), forged, origin)).rejects.toMatchObject({
        code: 'EDC_ERR_CHECKPOINT_SIGNATURE',
      });
      await expect(acceptCheckpoint(store(), octets.subarray(1), origin)).rejects.toMatchObject({
        code: 'EDC_ERR_CHECKPOINT_FORMAT',
      });
      expect(await store().checkpointAt('AGT-A', 2)).toBeUndefined();
    });

    it('an upload whose chain disagrees with a received checkpoint is a fork, the checkpoint as evidence', async () => {
      const start = { seq: a.seq, head: a.head };
      const honest = [entry(100_000), entry(200_000)];
      const body = { agentId: 'AGT-A', seq: 2, at: 20, withdrawn: 300_000, reversed: 0, headHash: honest[1]!.hash };
      await acceptCheckpoint(store(), encodeCheckpoint(body, a.seed), origin);
      // The agent rewrites its history after signing the checkpoint: seq 2 now pays less.
      a.seq = start.seq;
      a.head = start.head;
      const rewritten = [entry(100_000), entry(50_000)];
      await expect(ingestSegment(store(), a.record!, rewritten, 30)).rejects.toMatchObject({
        code: 'EDC_ERR_UPLOAD_FORK',
        details: { seq: 2, foundHash: rewritten[1]!.hash, checkpoint: { headHash: honest[1]!.hash } },
      });
      expect((await store().head('AGT-A')).seq).toBe(0);
      // A validly signed entry contradicting the agent's signed checkpoint is a fork, not tampering.
      expect(await store().getAgent('AGT-A')).toMatchObject({
        flagged: true,
        flags: [{ kind: 'fork', seq: 2, at: 30 }],
      });
      const evidence = await store().evidence('AGT-A', 10);
      expect(evidence.map((e) => [e.kind, e.found.seq, e.found.hash, e.reason])).toEqual([
        ['fork', 2, rewritten[1]!.hash, 'checkpoint'],
      ]);
      const views = [];
      for (const category of withdrawalCategories)
        views.push(...(await store().withdrawals(tahap, category, { limit: 10 })).items);
      // Counted once, as fork evidence (its category follows the recon rules); nothing as tampered.
      expect(views.map((v) => [v.source, v.amount])).toEqual([['fork', 50_000]]);
      // The honest chain goes in.
      await ingestSegment(store(), a.record!, honest, 40);
      expect((await store().head('AGT-A')).seq).toBe(2);
    });
  });
}
