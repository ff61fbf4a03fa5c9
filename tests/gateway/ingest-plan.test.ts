/**
 * gateway/ingest/plan.ts: what a verified segment does to a chain, from the store's answers
 * alone (head, link at a seq, kept fork entries), so every store applies the same plan.
 */
import { describe, expect, it } from 'vitest';
import { planSegment, type ChainLookup } from '../../gateway/ingest/plan.ts';
import { generateGatewayKeys } from '../../gateway/keys.ts';
import { genesisHash, type LedgerEntry } from '../../protocol/messages/schemas.ts';
import { newAgent, panOf, withdrawal, type TestAgent } from './helpers.ts';

const keys = generateGatewayKeys();
const pay = (agent: TestAgent, amount = 1000): LedgerEntry =>
  withdrawal(agent, keys, { kpmId: 'KPM-0001', amount, pan: panOf('KPM-0001') });

function lookup(chain: readonly LedgerEntry[], forkEntries: readonly LedgerEntry[] = []): ChainLookup {
  const last = chain[chain.length - 1];
  return {
    head: { seq: last?.seq ?? 0, hash: last?.hash ?? genesisHash },
    link: (seq) => Promise.resolve(chain[seq - 1]),
    isForkEntry: (seq, hash) => Promise.resolve(forkEntries.some((e) => e.seq === seq && e.hash === hash)),
  };
}

describe('planSegment', () => {
  const agent = newAgent('AGT-A');
  const chain = [pay(agent), pay(agent), pay(agent)];
  const clone: TestAgent = { ...agent, seq: 1, head: chain[0]!.hash };
  const branch = [pay(clone, 7), pay(clone, 8), pay(clone, 9), pay(clone, 10)];

  it('duplicates then new entries: append the new ones', async () => {
    const next = pay({ ...agent });
    expect(await planSegment(lookup(chain), [chain[1]!, chain[2]!, next])).toEqual({
      kind: 'append',
      duplicates: 2,
      fresh: [next],
    });
    expect(await planSegment(lookup(chain), [chain[2]!])).toEqual({ kind: 'append', duplicates: 1, fresh: [] });
  });

  it('a fork after duplicates: the branch is the forking entry and everything after it in the upload', async () => {
    expect(await planSegment(lookup(chain), [chain[0]!, ...branch])).toEqual({
      kind: 'fork',
      duplicates: 1,
      seq: 2,
      storedHash: chain[1]!.hash,
      foundHash: branch[0]!.hash,
      branch,
    });
  });

  it('beyond the head, an entry linking to a kept fork entry continues that branch', async () => {
    const rest = branch.slice(2); // seqs 4, 5: beyond the head (3)
    expect(await planSegment(lookup(chain, branch.slice(0, 2)), rest)).toMatchObject({
      kind: 'fork',
      seq: 4,
      storedHash: chain[2]!.hash,
      branch: rest,
    });
    // The same entries with no kept branch to link to: a gap (5 is not head + 1) ...
    expect(await planSegment(lookup(chain), [branch[3]!])).toEqual({
      kind: 'gap',
      headSeq: 3,
      expectedSeq: 4,
      foundSeq: 5,
    });
    // ... or a prevHash break at head + 1.
    expect(await planSegment(lookup(chain), [branch[2]!])).toEqual({ kind: 'prevHash', index: 0, seq: 4 });
  });

  it('a branch entry at a held seq is a fork even when it is re-sent on its own', async () => {
    expect(await planSegment(lookup(chain, branch), [branch[1]!])).toMatchObject({
      kind: 'fork',
      seq: 3,
      storedHash: chain[2]!.hash,
      branch: [branch[1]!],
    });
  });
});
