import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findNewEntryBreak } from '../../../agent/core/committer.ts';
import { genesisHead, type LedgerEntry } from '../../../protocol/messages/index.ts';
import { agentKeys, cards, code, gatewayKeys, signedSet, tempLedger, withdrawal, type TempLedger } from './fixtures.ts';

/** The pair assertion before a write: every way a new entry can break the chain is still found. */
describe('findNewEntryBreak', () => {
  let ledger: TempLedger;
  let entries: LedgerEntry[];
  beforeEach(async () => {
    ledger = await tempLedger();
    const core = await ledger.open();
    await core.installEntitlementSet(signedSet());
    for (let i = 0; i < 3; i++) expect(code(await core.handle(withdrawal(cards[i]!.pan, 10_000)))).toBe('00');
    entries = (await core.unacknowledged(10)).slice(-3);
    await core.close();
  });
  afterEach(async () => {
    await ledger.cleanup();
  });

  const from = (): { seq: number; hash: string } =>
    entries[0]!.seq === 1 ? genesisHead : { seq: entries[0]!.seq - 1, hash: entries[0]!.prevHash };
  const changed = (index: number, change: Partial<LedgerEntry>): LedgerEntry[] =>
    entries.map((entry, i) => (i === index ? ({ ...entry, ...change } as LedgerEntry) : entry));

  it('accepts the entries as written', () => {
    expect(findNewEntryBreak(entries, from(), agentKeys.publicKey)).toBeUndefined();
    expect(findNewEntryBreak(entries.slice(0, 1), from(), agentKeys.publicKey)).toBeUndefined();
  });

  it('finds a changed body under the old hash, in the middle and in the last (a lone round) entry', () => {
    expect(findNewEntryBreak(changed(1, { amount: 1 }), from(), agentKeys.publicKey)).toEqual({
      index: 1,
      kind: 'hash',
    });
    expect(findNewEntryBreak(changed(2, { amount: 1 }), from(), agentKeys.publicKey)).toEqual({
      index: 2,
      kind: 'hash',
    });
    expect(findNewEntryBreak(changed(0, { amount: 1 }).slice(0, 1), from(), agentKeys.publicKey)).toEqual({
      index: 0,
      kind: 'hash',
    });
  });

  it('finds a last entry signed by another key, a gap and a wrong prevHash', () => {
    expect(findNewEntryBreak(entries, from(), gatewayKeys.publicKey)).toEqual({ index: 2, kind: 'signature' });
    expect(findNewEntryBreak(changed(2, { seq: entries[2]!.seq + 1 }), from(), agentKeys.publicKey)).toMatchObject({
      index: 2,
      kind: 'gap',
    });
    expect(findNewEntryBreak(entries.slice(1), from(), agentKeys.publicKey)).toMatchObject({ index: 0, kind: 'gap' });
    expect(findNewEntryBreak(changed(1, { prevHash: '0'.repeat(64) }), from(), agentKeys.publicKey)).toMatchObject({
      index: 1,
      kind: 'prevHash',
    });
  });
});
