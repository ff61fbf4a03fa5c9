/**
 * Pipelined uploads (protocol/README.md): one agent's next upload may arrive before the previous
 * one is stored; the gateway verifies both at once and stores them in chain order
 * (gateway/ingest/order-gate.ts), against a real LevelDB store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inlineVerifier, type ChainVerifier } from '../../gateway/crypto/verify-pool.ts';
import { UploadOrderGate } from '../../gateway/ingest/order-gate.ts';
import { ingestSegment } from '../../gateway/ingest/upload.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { enroll, newAgent, panOf, tempStore, withdrawal, type TempStore, type TestAgent } from './helpers.ts';

/** Verifies like the gateway, but the segment starting at `slowSeq` takes `ms` longer. */
function slowVerifierFor(slowSeq: number, ms: number): ChainVerifier {
  return {
    findChainBreak: async (entries, from, publicKey) => {
      if (entries[0]!.seq === slowSeq) await new Promise((resolve) => setTimeout(resolve, ms));
      return inlineVerifier.findChainBreak(entries, from, publicKey);
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

describe('pipelined uploads of one agent', () => {
  let t: TempStore;
  let a: TestAgent;
  let segments: LedgerEntry[][];

  beforeEach(async () => {
    t = await tempStore();
    a = newAgent('AGT-PIPE');
    await enroll(t.store, a, ['KPM-0001', 'KPM-0002']);
    const entries = Array.from({ length: 6 }, (_, i) =>
      withdrawal(a, t.keys, { kpmId: `KPM-000${(i % 2) + 1}`, amount: 1_000, pan: panOf(`KPM-000${(i % 2) + 1}`) }),
    );
    segments = [entries.slice(0, 3), entries.slice(3, 6)];
  });
  afterEach(async () => t.cleanup());

  it('a successor verified before its predecessor is stored after it', async () => {
    const gate = new UploadOrderGate();
    const slow = slowVerifierFor(1, 150);
    const [first, second] = await Promise.all([
      ingestSegment(t.store, a.record!, segments[0]!, 10, slow, gate),
      ingestSegment(t.store, a.record!, segments[1]!, 10, slow, gate),
    ]);
    expect([first.head.seq, second.head.seq, second.accepted]).toEqual([3, 6, 3]);
    expect(gate.size).toBe(0);
  });

  it('without the gate the same race is refused as a gap (what the gate prevents)', async () => {
    const slow = slowVerifierFor(1, 150);
    const results = await Promise.allSettled([
      ingestSegment(t.store, a.record!, segments[0]!, 10, slow),
      ingestSegment(t.store, a.record!, segments[1]!, 10, slow),
    ]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'EDC_ERR_UPLOAD_GAP' } });
  });

  it('a successor that arrives before its predecessor waits for it after the gap, then is stored', async () => {
    const gate = new UploadOrderGate();
    const second = ingestSegment(t.store, a.record!, segments[1]!, 10, inlineVerifier, gate);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await ingestSegment(t.store, a.record!, segments[0]!, 10, inlineVerifier, gate);
    expect([first.head.seq, (await second).head.seq]).toEqual([3, 6]);
    expect(await t.store.head(a.agentId)).toMatchObject({ seq: 6 });
  });

  it('a refused predecessor leaves its successor a gap, and nothing of either is stored', async () => {
    const gate = new UploadOrderGate();
    const tampered = [...segments[0]!];
    tampered[1] = { ...tampered[1]!, amount: 999 };
    const slow = slowVerifierFor(1, 100);
    const results = await Promise.allSettled([
      ingestSegment(t.store, a.record!, tampered, 10, slow, gate),
      ingestSegment(t.store, a.record!, segments[1]!, 10, slow, gate),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'))).toEqual([
      'EDC_ERR_UPLOAD_ENTRY_INVALID',
      'EDC_ERR_UPLOAD_GAP',
    ]);
    expect(await t.store.head(a.agentId)).toMatchObject({ seq: 0 });
  });
});
