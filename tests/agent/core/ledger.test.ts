import { Writable } from 'node:stream';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyBundleManifest, genesisHash } from '../../../protocol/messages/index.ts';
import { isEdcError } from '../../../protocol/errors.ts';
import { createAgentLogger } from '../../../agent/logger.ts';
import { createStorageFaults, type AgentCore, type BatchOp } from '../../../agent/core/index.ts';
import { busyText, ledgerDamagedText, storageFaultText } from '../../../agent/core/responses.ts';
import {
  agentKeys,
  cards,
  code,
  receipt,
  reversal,
  signedSet,
  startMs,
  tempLedger,
  withdrawal,
  gatewayKeys,
  type TempLedger,
} from './fixtures.ts';

const card = cards[0]!;
let ledger: TempLedger;
let core: AgentCore;

beforeEach(async () => {
  ledger = await tempLedger();
});
afterEach(async () => {
  await core.close();
  await ledger.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('write-ahead and group commit', () => {
  it(
    'answers 96 when the synced batch fails, reopens the ledger, reverses the approval nobody heard,' +
      ' and approves again with memory equal to disk',
    async () => {
      let fail = false;
      core = await ledger.open({
        writeBatch: (ops, write) => (fail ? Promise.reject(new Error('disk full')) : write(ops)),
      });
      await core.installEntitlementSet(signedSet());
      fail = true;
      const refused = await core.handle(withdrawal(card.pan, 100_000));
      expect([code(refused), refused.fields[62]]).toEqual(['96', storageFaultText]);
      expect(refused.fields[38]).toBeUndefined();
      fail = false;
      // Waits for the recovery the failure started (it holds the lock) and is decided after it.
      const response = await core.handle(withdrawal(card.pan, 100_000));
      expect(code(response)).toBe('00');
      expect(response.fields[54]?.[0]?.amount).toBe(650_000);
      const entries = await core.unacknowledged(10);
      expect(entries.map((e) => [e.seq, e.kind, e.kind === 'reversal' ? e.reason : ''])).toEqual([
        [1, 'withdrawal', ''],
        [2, 'reversal', 'response_timeout'],
        [3, 'withdrawal', ''],
      ]);
      expect((await core.status()).authorization.state).toBe('ok');
      expect((await core.verifyLedger()).ok).toBe(true);
    },
  );

  it('while the disk is full a retransmission still gets its original 00, anything new 96; then it heals', async () => {
    const faults = createStorageFaults();
    core = await ledger.open({ storage: faults.storage });
    await core.installEntitlementSet(signedSet());
    const request = withdrawal(card.pan, 100_000);
    const original = await core.handle(request);
    faults.diskFull = true;
    // The round's approval cannot be recorded as answered 96 either (the head record write fails
    // too): it is not answered at all, so its terminal times out and reverses it.
    const unanswered = withdrawal(cards[1]!.pan, 1000);
    expect(await rejection(core.handle(unanswered))).toMatchObject({ code: 'EDC_ERR_LEDGER_WRITE' });
    expect((await core.status()).authorization).toMatchObject({
      state: 'storage-failed',
      code: 'EDC_ERR_LEDGER_WRITE',
    });
    expect(await core.handle(request)).toMatchObject({ mti: '0210', fields: original.fields });
    expect(code(await core.handle(withdrawal(cards[2]!.pan, 1000)))).toBe('96');
    faults.diskFull = false;
    await expect.poll(async () => (await core.status()).authorization.state, { timeout: 10_000 }).toBe('ok');
    expect(code(await core.handle(withdrawal(cards[2]!.pan, 1000)))).toBe('00');
    expect(faults.stats.writesOnPoisonedHandle).toBe(0);
    // Recovery reversed the unanswered approval itself; the terminal's 0400 finds it reversed.
    expect(code(await core.handle(reversal(unanswered)))).toBe('00');
    expect((await core.unacknowledged(10)).map((e) => [e.seq, e.kind])).toEqual([
      [1, 'withdrawal'],
      [2, 'withdrawal'],
      [3, 'reversal'],
      [4, 'withdrawal'],
    ]);
  });

  it('resolves a response only after its batch has been written', async () => {
    const events: string[] = [];
    core = await ledger.open({
      writeBatch: async (ops, write) => {
        events.push('write-start');
        await write(ops);
        events.push('write-done');
      },
    });
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 1000)).then(() => events.push('response'));
    expect(events).toEqual(['write-start', 'write-done', 'response']);
  });

  it('decides N concurrent requests in one synced batch holding all their entries', async () => {
    const batches: BatchOp[][] = [];
    core = await ledger.open({
      writeBatch: (ops, write) => {
        batches.push([...ops]);
        return write(ops);
      },
    });
    await core.installEntitlementSet(signedSet());
    const responses = await Promise.all(cards.map((c) => core.handle(withdrawal(c.pan, 10_000))));
    expect(responses.map(code)).toEqual(cards.map(() => '00'));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.filter((op) => op.sublevel === 'entries')).toHaveLength(cards.length);
    expect(core.head().seq).toBe(cards.length);
  });

  it('answers 96 "Agen sedang sibuk" at once beyond pendingRequestsMax, deciding nothing for it', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    core = await ledger.open({
      groupCommitMax: 1,
      pendingRequestsMax: 2,
      writeBatch: async (ops, write) => {
        if (++writes === 1) await held; // the first approval's batch waits
        return write(ops);
      },
    });
    await core.installEntitlementSet(signedSet());
    const first = core.handle(withdrawal(cards[0]!.pan, 10_000));
    await expect.poll(() => writes).toBe(1);
    const waiting = [1, 2].map((i) => core.handle(withdrawal(cards[i]!.pan, 10_000)));
    const refused = await core.handle(withdrawal(cards[3]!.pan, 10_000));
    expect([code(refused), refused.fields[62], refused.fields[38]]).toEqual(['96', busyText, undefined]);
    release();
    expect([await first, ...(await Promise.all(waiting))].map(code)).toEqual(['00', '00', '00']);
    expect(core.head().seq).toBe(3);
    expect((await core.unacknowledged(10)).map((e) => e.kind === 'withdrawal' && e.kpmId)).toEqual(
      [0, 1, 2].map((i) => cards[i]!.kpmId),
    );
    expect(code(await core.handle(withdrawal(cards[3]!.pan, 10_000)))).toBe('00');
  });

  it('refuses a pendingRequestsMax outside 1..65,536 with EDC_ERR_CORE_OPTIONS', async () => {
    core = await ledger.open();
    for (const pendingRequestsMax of [0, 65_537, 1.5]) {
      const error = await rejection(ledger.open({ pendingRequestsMax }));
      expect(isEdcError(error) && error.code).toBe('EDC_ERR_CORE_OPTIONS');
    }
  });

  it('splits a larger burst into groups of at most groupCommitMax', async () => {
    const sizes: number[] = [];
    core = await ledger.open({
      groupCommitMax: 2,
      writeBatch: (ops, write) => {
        sizes.push(ops.filter((op) => op.sublevel === 'entries').length);
        return write(ops);
      },
    });
    await core.installEntitlementSet(signedSet());
    await Promise.all(cards.map((c) => core.handle(withdrawal(c.pan, 10_000))));
    expect(sizes).toEqual([2, 2, 1]);
  });
});

describe('duplicates and reversals', () => {
  beforeEach(async () => {
    core = await ledger.open();
    await core.installEntitlementSet(signedSet());
  });

  it('answers a retransmitted 0200 with the original response and no second debit', async () => {
    const request = withdrawal(card.pan, 100_000);
    const first = await core.handle(request);
    const again = await core.handle(request);
    expect(again.fields).toEqual(first.fields);
    expect(core.head().seq).toBe(1);
    const concurrent = withdrawal(card.pan, 100_000);
    const [a, b] = await Promise.all([core.handle(concurrent), core.handle(concurrent)]);
    expect(a.fields).toEqual(b.fields);
    expect(core.head().seq).toBe(2);
  });

  it('answers 94 when a STAN is reused for a different request', async () => {
    const request = withdrawal(card.pan, 100_000);
    await core.handle(request);
    expect(code(await core.handle({ ...request, fields: { ...request.fields, 4: 200_000 } }))).toBe('94');
    expect(core.head().seq).toBe(1);
  });

  it(
    'reverses once, restoring entitlement and offline exposure,' +
      ' and answers a repeated reversal 00 without an entry',
    async () => {
      const original = withdrawal(card.pan, 300_000);
      await core.handle(original);
      const first = await core.handle(reversal(original));
      expect(first.mti).toBe('0410');
      expect(code(first)).toBe('00');
      expect(code(await core.handle(reversal(original)))).toBe('00');
      expect(core.head().seq).toBe(2);
      const [, entry] = await core.unacknowledged(10);
      expect(entry).toMatchObject({ kind: 'reversal', reversesSeq: 1, amount: 300_000 });
      expect((await core.status()).offlineExposure.amount).toBe(0);
      expect(code(await core.handle(withdrawal(card.pan, 750_000)))).toBe('00');
    },
  );

  it('answers 13 to a reversal whose amount differs from the original', async () => {
    const original = withdrawal(card.pan, 300_000);
    await core.handle(original);
    expect(code(await core.handle(reversal(original, { 4: 100_000 })))).toBe('13');
    expect(core.head().seq).toBe(1);
  });

  it('acknowledges a reversal of an unseen withdrawal and never approves that withdrawal afterwards', async () => {
    const original = withdrawal(card.pan, 300_000);
    expect(code(await core.handle(reversal(original)))).toBe('00');
    expect(code(await core.handle(original))).toBe('12');
    expect(core.head().seq).toBe(0);
  });
});

describe('entitlement sets', () => {
  beforeEach(async () => {
    core = await ledger.open();
  });

  it('sets remaining to the set figure minus net withdrawals after basedOnSeq', async () => {
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 100_000));
    const second = withdrawal(card.pan, 200_000);
    await core.handle(second);
    await core.handle(reversal(second));
    await core.handle(withdrawal(card.pan, 50_000));
    // The gateway has seen seq 1 only (750 000 - 100 000 = 650 000); seqs 2..4 net 50 000.
    await core.installEntitlementSet(
      signedSet({
        issuedAt: startMs,
        basedOnSeq: 1,
        entitlements: signedSet().entitlements.map((e) => ({
          ...e,
          remaining: e.kpmId === card.kpmId ? 650_000 : e.remaining,
        })),
      }),
    );
    const response = await core.handle(withdrawal(card.pan, 600_001));
    expect(code(response)).toBe('51');
    expect(code(await core.handle(withdrawal(card.pan, 600_000)))).toBe('00');
    // Nothing is acknowledged: every approval not reversed is exposure, whatever set is installed.
    expect((await core.status()).offlineExposure.amount).toBe(100_000 + 50_000 + 600_000);
    expect((await core.verifyLedger()).ok).toBe(true);
  });

  it(
    'refuses sets with a bad signature, another agent, expired,' + ' older, or based beyond the head, changing nothing',
    async () => {
      const good = signedSet();
      await core.installEntitlementSet(good);
      const cases: Array<[unknown, string]> = [
        [{ ...signedSet(), sig: signedSet({ tahap: '2026-III' }).sig }, 'EDC_ERR_ENTITLEMENT_SIGNATURE'],
        [signedSet({ agentId: 'AGT-999' }), 'EDC_ERR_ENTITLEMENT_AGENT'],
        [signedSet({ expiresAt: startMs }), 'EDC_ERR_ENTITLEMENT_EXPIRED'],
        [signedSet({ issuedAt: good.issuedAt - 1 }), 'EDC_ERR_ENTITLEMENT_STALE'],
        [signedSet({ basedOnSeq: 5 }), 'EDC_ERR_ENTITLEMENT_AHEAD'],
        [{ ...signedSet(), extra: 1 }, 'EDC_ERR_ENTITLEMENT_INVALID'],
      ];
      for (const [set, expected] of cases) {
        const error = await rejection(core.installEntitlementSet(set as never));
        expect(isEdcError(error, expected), expected).toBe(true);
      }
      expect((await core.status()).entitlementSet?.setId).toBe(good.setId);
    },
  );
});

describe('receipts', () => {
  beforeEach(async () => {
    core = await ledger.open();
    await core.installEntitlementSet(signedSet());
    for (const c of cards.slice(0, 3)) await core.handle(withdrawal(c.pan, 1000));
  });

  it('advances the cursor on a verified receipt and never moves it backwards', async () => {
    const [e1, e2] = await core.unacknowledged(3);
    expect(await core.applyReceipt(receipt(2, e2!.hash))).toBe('advanced');
    expect(core.ackHead()).toEqual({ seq: 2, hash: e2!.hash });
    expect(await core.applyReceipt(receipt(1, e1!.hash))).toBe('unchanged');
    expect(core.ackHead().seq).toBe(2);
    expect(await core.unacknowledged(10)).toHaveLength(1);
  });

  it('refuses a receipt not signed by the gateway', async () => {
    const [e1] = await core.unacknowledged(1);
    const error = await rejection(core.applyReceipt(receipt(1, e1!.hash, agentKeys.seed)));
    expect(isEdcError(error, 'EDC_ERR_RECEIPT_SIGNATURE')).toBe(true);
    expect(core.ackHead().seq).toBe(0);
  });

  it('reports a fork for a hash that differs from the own entry or a seq beyond the head', async () => {
    expect(isEdcError(await rejection(core.applyReceipt(receipt(1, 'f'.repeat(64)))), 'EDC_ERR_RECEIPT_FORK')).toBe(
      true,
    );
    expect(isEdcError(await rejection(core.applyReceipt(receipt(4, 'f'.repeat(64)))), 'EDC_ERR_RECEIPT_FORK')).toBe(
      true,
    );
    expect(await core.applyReceipt(receipt(0, genesisHash))).toBe('unchanged');
    expect(core.ackHead().seq).toBe(0);
  });
});

describe('verification, export, persistence', () => {
  it('detects an entry tampered with directly in LevelDB', async () => {
    core = await ledger.open();
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 100_000));
    await core.handle(withdrawal(cards[1]!.pan, 100_000));
    expect(await core.verifyLedger()).toMatchObject({ ok: true, entries: 2, problems: [] });
    await core.close();
    const raw = new ClassicLevel<string, string>(join(ledger.dir, 'ledger'), { valueEncoding: 'utf8' });
    const key = '!entries!0000000000000001';
    const value = await raw.get(key);
    await raw.put(key, value!.replace('"amount":100000', '"amount":10000'));
    await raw.close();
    core = await ledger.open();
    const result = await core.verifyLedger();
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/entry 1: hash does not verify/);
    expect(result.problems.join('\n')).toMatch(/KPM KPM-0001: remaining/);
  });

  it(
    'a ledger with a tampered entry refuses withdrawals (96), yet unacknowledged() hands out the intact' +
      ' entries before it, then refuses with EDC_ERR_LEDGER_CORRUPT',
    async () => {
      core = await ledger.open();
      await core.installEntitlementSet(signedSet());
      for (const c of cards.slice(0, 3)) await core.handle(withdrawal(c.pan, 100_000));
      await core.close();
      const raw = new ClassicLevel<string, string>(join(ledger.dir, 'ledger'), { valueEncoding: 'utf8' });
      const key = '!entries!0000000000000003';
      await raw.put(key, (await raw.get(key))!.replace('"amount":100000', '"amount":10000'));
      await raw.close();
      core = await ledger.open();
      expect((await core.status()).authorization).toMatchObject({
        state: 'ledger-damaged',
        code: 'EDC_ERR_LEDGER_CORRUPT',
        id: 'Buku besar rusak - hubungi teknisi',
      });
      const refused = await core.handle(withdrawal(cards[3]!.pan, 1000));
      expect([code(refused), refused.fields[62]]).toEqual(['96', ledgerDamagedText]);
      const intact = await core.unacknowledged(10);
      expect(intact.map((e) => e.seq)).toEqual([1, 2]);
      await core.applyReceipt(receipt(2, intact[1]!.hash));
      const error = await rejection(core.unacknowledged(10));
      expect(isEdcError(error, 'EDC_ERR_LEDGER_CORRUPT')).toBe(true);
      expect(error).toMatchObject({ details: { seq: 3, kind: 'hash' } });
    },
  );

  it('refuses, with EDC_ERR_LEDGER_CORRUPT and never a ZodError, entries that no longer match the schema', async () => {
    const damaged = async (): Promise<void> => {
      expect((await core.status()).authorization).toMatchObject({
        state: 'ledger-damaged',
        code: 'EDC_ERR_LEDGER_CORRUPT',
      });
      expect(code(await core.handle(withdrawal(cards[2]!.pan, 1000)))).toBe('96');
    };
    core = await ledger.open();
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 100_000));
    await core.handle(withdrawal(cards[1]!.pan, 100_000));
    await core.close();
    const raw = new ClassicLevel<string, string>(join(ledger.dir, 'ledger'), { valueEncoding: 'utf8' });
    const last = (await raw.get('!entries!0000000000000002'))!;
    await raw.put('!entries!0000000000000002', '{"v":1,"garbage":true}');
    await raw.close();
    core = await ledger.open();
    await damaged();
    await core.close();

    const again = new ClassicLevel<string, string>(join(ledger.dir, 'ledger'), { valueEncoding: 'utf8' });
    await again.put('!entries!0000000000000002', last);
    await again.put('!entries!0000000000000001', '{"v":1,"garbage":true}');
    await again.close();
    core = await ledger.open();
    await damaged();
    expect(await rejection(core.unacknowledged(10))).toMatchObject({
      code: 'EDC_ERR_LEDGER_CORRUPT',
      details: { seq: 1, kind: 'schema' },
    });
  });

  it('exports unacknowledged entries in a bundle whose manifest the agent signed', async () => {
    core = await ledger.open();
    await core.installEntitlementSet(signedSet());
    for (const c of cards) await core.handle(withdrawal(c.pan, 1000));
    const [e1] = await core.unacknowledged(1);
    await core.applyReceipt(receipt(1, e1!.hash));
    const bundle = await core.exportBundle();
    expect(bundle.manifest).toMatchObject({ fromSeq: 2, toSeq: 5, headHash: core.head().hash });
    expect(bundle.entries.map((e) => e.seq)).toEqual([2, 3, 4, 5]);
    expect(verifyBundleManifest(bundle.manifest, agentKeys.publicKey)).toBe(true);
    expect(isEdcError(await rejection(core.exportBundle(7)), 'EDC_ERR_CORE_ARGUMENT')).toBe(true);
  });

  it(
    'keeps head, cursor, halt reason and entitlement across a reopen,' + ' and refuses another agent identity',
    async () => {
      core = await ledger.open();
      await core.installEntitlementSet(signedSet());
      await core.handle(withdrawal(card.pan, 100_000));
      await core.setForwardingHalt('fork at seq 1');
      const head = core.head();
      await core.close();
      core = await ledger.open();
      expect(core.head()).toEqual(head);
      const status = await core.status();
      expect(status.haltReason).toBe('fork at seq 1');
      expect(status.today.approvedCount).toBe(1);
      await core.close();
      const error = await rejection(ledger.open({ seed: gatewayKeys.seed }));
      expect(isEdcError(error, 'EDC_ERR_LEDGER_IDENTITY')).toBe(true);
      core = await ledger.open();
    },
  );

  it('never writes a PAN, track 2 or ICC data to a log line or to the ledger files', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    core = await ledger.open({ logger: createAgentLogger({ destination, level: 'debug' }) });
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 100_000, { 35: `${card.pan}D2912101` }));
    await core.handle(withdrawal(card.pan, 0));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join('')).not.toContain(card.pan);
    await core.close();
    const raw = new ClassicLevel<string, string>(join(ledger.dir, 'ledger'), { valueEncoding: 'utf8' });
    for await (const [key, value] of raw.iterator()) expect(`${key}${value}`).not.toContain(card.pan);
    await raw.close();
    core = await ledger.open();
  });
});
