import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerEntry, UploadBatch, genesisHash } from '../../../protocol/messages/schemas.ts';
import {
  entryBody,
  entryHash,
  findChainBreak,
  genesisHead,
  signEntry,
  verifyEntry,
} from '../../../protocol/messages/signed.ts';
import { agentPublicKey, agentSeed, makeChain, withdrawalBodyArb } from './fixtures.ts';

describe('ledger entries', () => {
  it('decode(encode(entry)) = entry, and the hash and signature survive the round trip', () => {
    fc.assert(
      fc.property(withdrawalBodyArb, (body) => {
        const entry = signEntry(body, agentSeed);
        const decoded = LedgerEntry.parse(JSON.parse(JSON.stringify(entry)));
        expect(decoded).toEqual(entry);
        expect(entryHash(entryBody(decoded))).toBe(entry.hash);
        expect(verifyEntry(decoded, agentPublicKey)).toEqual({ ok: true });
      }),
      { numRuns: 3000 },
    );
  });

  it('any change to any field is detected by the hash', () => {
    fc.assert(
      fc.property(withdrawalBodyArb, fc.nat(), (body, pick) => {
        const entry = signEntry(body, agentSeed);
        const keys = Object.keys(body).filter((k) => k !== 'v' && k !== 'kind');
        const key = keys[pick % keys.length]!;
        const original = (entry as Record<string, unknown>)[key];
        const altered = {
          ...entry,
          [key]: typeof original === 'number' ? original + (original > 1 ? -1 : 1) : `${String(original).slice(1)}0`,
        } as LedgerEntry;
        expect(verifyEntry(altered, agentPublicKey)).toEqual({ ok: false, reason: 'hash' });
      }),
      { numRuns: 2000 },
    );
  });

  it('a re-hashed forgery without the agent key fails on the signature', () => {
    const [entry] = makeChain(1);
    const body = { ...entryBody(entry!), amount: entry!.amount + 1 };
    const forged = { ...body, hash: entryHash(body), sig: entry!.sig } as LedgerEntry;
    expect(verifyEntry(forged, agentPublicKey)).toEqual({ ok: false, reason: 'signature' });
  });

  it('the schema refuses unknown fields, floats and a missing signature', () => {
    const [entry] = makeChain(1);
    expect(LedgerEntry.safeParse({ ...entry, extra: 1 }).success).toBe(false);
    expect(LedgerEntry.safeParse({ ...entry, amount: 1.5 }).success).toBe(false);
    const { sig: _sig, ...unsigned } = entry!;
    expect(LedgerEntry.safeParse(unsigned).success).toBe(false);
    expect(UploadBatch.safeParse({ v: 1, agentId: 'AGT-BRI-0001', entries: [] }).success).toBe(false);
  });
});

describe('findChainBreak()', () => {
  const chain = makeChain(12);

  it('finds no break in an intact chain from genesis or from any head inside it', () => {
    expect(chain[0]!.prevHash).toBe(genesisHash);
    expect(findChainBreak(chain, genesisHead, agentPublicKey)).toBeUndefined();
    expect(findChainBreak(chain.slice(5), { seq: 5, hash: chain[4]!.hash }, agentPublicKey)).toBeUndefined();
  });

  it('reports a gap, a reorder, a removal and a tampered entry at the right index', () => {
    expect(findChainBreak(chain.slice(1), genesisHead, agentPublicKey)).toEqual({
      index: 0,
      kind: 'gap',
      expectedSeq: 1,
      foundSeq: 2,
    });
    const swapped = [chain[0]!, chain[2]!, chain[1]!];
    expect(findChainBreak(swapped, genesisHead, agentPublicKey)).toMatchObject({ index: 1, kind: 'gap' });
    const removed = [...chain.slice(0, 3), ...chain.slice(4)];
    expect(findChainBreak(removed, genesisHead, agentPublicKey)).toMatchObject({
      index: 3,
      kind: 'gap',
      expectedSeq: 4,
      foundSeq: 5,
    });
    const tampered = chain.map((e, i) => (i === 6 ? { ...e, amount: e.amount + 1000 } : e));
    expect(findChainBreak(tampered, genesisHead, agentPublicKey)).toEqual({ index: 6, kind: 'hash' });
  });

  it('reports a re-signed entry with a wrong prevHash (a fork) as a prevHash break', () => {
    const forkBody = { ...entryBody(chain[3]!), prevHash: chain[1]!.hash };
    const fork = signEntry(forkBody, agentSeed);
    expect(findChainBreak([...chain.slice(0, 3), fork], genesisHead, agentPublicKey)).toEqual({
      index: 3,
      kind: 'prevHash',
      expectedPrevHash: chain[2]!.hash,
      foundPrevHash: chain[1]!.hash,
    });
  });

  it('reports a signature by another key', () => {
    expect(findChainBreak(chain, genesisHead, 'A'.repeat(43) + '=')).toMatchObject({ index: 0, kind: 'signature' });
  });
});
