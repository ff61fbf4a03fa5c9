import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChainBreak, signEntry, genesisHead } from '../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { isEdcError } from '../../protocol/errors.ts';
import { buildGateway } from '../../gateway/app.ts';
import { VerifyPool } from '../../gateway/crypto/verify-pool.ts';
import {
  enroll,
  newAgent,
  panOf,
  row,
  signedHeaders,
  tempStore,
  testConfig,
  withdrawal,
  type TestAgent,
} from './helpers.ts';

const agent = newAgent('AGT-001');
const other = newAgent('AGT-002');
let chain: LedgerEntry[];
let pool: VerifyPool;

beforeAll(async () => {
  const t = await tempStore();
  chain = Array.from({ length: 100 }, (_, i) =>
    withdrawal(agent, t.keys, { kpmId: `KPM-${i}`, amount: 10_000, pan: panOf(`KPM-${i}`) }),
  );
  await t.cleanup();
  pool = new VerifyPool({ workers: 2 });
});
afterAll(async () => {
  await pool.close();
});

/** The entry at `index` re-signed by another key (same hash, a signature that does not verify). */
function forged(index: number): LedgerEntry[] {
  const { hash: _hash, sig: _sig, ...body } = chain[index]!;
  const copy = [...chain];
  copy[index] = signEntry(body, other.seed);
  return copy;
}

describe('VerifyPool.findChainBreak', () => {
  it('answers exactly as findChainBreak in one piece, for breaks in either chunk and at the boundary', async () => {
    const tampered = chain.map((e) => ({ ...e }));
    tampered[49] = { ...tampered[49]!, amount: 20_000 };
    const relinked = chain.map((e) => ({ ...e }));
    relinked[50] = { ...relinked[50]!, prevHash: chain[48]!.hash };
    const gap = [...chain.slice(0, 80), ...chain.slice(81)];
    const cases = [chain, forged(0), forged(70), forged(99), tampered, relinked, gap, chain.slice(0, 5)];
    for (const entries of cases) {
      const expected = findChainBreak(entries, genesisHead, agent.publicKey);
      expect(await pool.findChainBreak(entries, genesisHead, agent.publicKey)).toEqual(expected);
    }
    expect(await pool.findChainBreak(forged(70), genesisHead, agent.publicKey)).toMatchObject({
      index: 70,
      kind: 'signature',
    });
    expect(await pool.findChainBreak([], genesisHead, agent.publicKey)).toBeUndefined();
  });

  it('refuses a segment beyond chunksPendingMax with EDC_ERR_UNAVAILABLE and verifies the rest', async () => {
    const small = new VerifyPool({ workers: 1, chunksPendingMax: 2 });
    try {
      const first = small.findChainBreak(chain.slice(0, 20), genesisHead, agent.publicKey);
      const second = small.findChainBreak(chain.slice(0, 20), genesisHead, agent.publicKey);
      const refused = await small
        .findChainBreak(chain.slice(0, 20), genesisHead, agent.publicKey)
        .catch((e: unknown) => e);
      expect(isEdcError(refused) && refused.code).toBe('EDC_ERR_UNAVAILABLE');
      expect([await first, await second]).toEqual([undefined, undefined]);
      expect(await small.findChainBreak(chain.slice(0, 20), genesisHead, agent.publicKey)).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});

describe('uploads verified on worker threads (buildGateway verifyWorkers)', () => {
  it('stores a valid upload and refuses a forged entry with 422 EDC_ERR_UPLOAD_ENTRY_INVALID', async () => {
    const t = await tempStore();
    const { app } = await buildGateway({ store: t.store, keys: t.keys, config: testConfig(), verifyWorkers: 2 });
    try {
      const a: TestAgent = newAgent('AGT-003');
      await enroll(t.store, a, ['KPM-0001']);
      await t.store.applyDisbursements([row('KPM-0001', 750_000)], { fileSha256: 'a'.repeat(64), now: 1 });
      const entries = Array.from({ length: 40 }, () =>
        withdrawal(a, t.keys, { kpmId: 'KPM-0001', amount: 1_000, pan: panOf('KPM-0001') }),
      );
      const post = (list: LedgerEntry[]) => {
        const path = `/v1/agents/${a.agentId}/uploads`;
        const body = JSON.stringify({ v: 1, agentId: a.agentId, entries: list });
        return app.inject({ method: 'POST', url: path, payload: body, headers: signedHeaders(a, 'POST', path, body) });
      };
      const { hash: _h, sig: _s, ...body } = entries[39]!;
      const bad = await post([...entries.slice(0, 39), signEntry(body, other.seed)]);
      expect([bad.statusCode, bad.json().code]).toEqual([422, 'EDC_ERR_UPLOAD_ENTRY_INVALID']);
      expect(bad.json().message).toContain('entry 39');
      const good = await post(entries);
      expect([good.statusCode, good.json().ackSeq]).toEqual([200, 40]);
    } finally {
      await app.close();
      await t.cleanup();
    }
  });
});
