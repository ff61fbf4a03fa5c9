import { mkdir, mkdtemp, readFile, readdir, readlink, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { diskStorage, headRecordFileName, type LedgerStorage } from '../../../agent/core/store.ts';
import { createStorageFaults } from '../../../agent/core/index.ts';
import { readHeadRecord } from '../../../agent/core/head-check.ts';
import { headBatchOffset } from '../../../agent/core/head-record.ts';
import { heldHeadFiles, holdHeadFile, releaseHeadFile, writeHeadFileDurably } from '../../../agent/core/head-file.ts';
import { cards, code, signedSet, tempLedger, withdrawal, type TempLedger } from './fixtures.ts';

/** Descriptors of this process open on `path` (Linux /proc). */
async function descriptorsOn(path: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target === path) count += 1;
  }
  return count;
}

describe('head record file: one descriptor per open ledger', () => {
  let ledger: TempLedger;
  beforeEach(async () => {
    ledger = await tempLedger();
  });
  afterEach(async () => {
    await ledger.cleanup();
  });

  it('keeps one descriptor while the ledger is open, writes through it, and closes it with the ledger', async () => {
    const core = await ledger.open();
    const path = join(ledger.dir, 'ledger', headRecordFileName);
    await core.installEntitlementSet(signedSet());
    for (let i = 0; i < 3; i++) expect(code(await core.handle(withdrawal(cards[0]!.pan, 10_000)))).toBe('00');
    expect(await descriptorsOn(path)).toBe(1);
    const slots = await readFile(path);
    const texts = [0, 1].map((slot) => slots.subarray(slot * 4096, slot * 4096 + 4096).toString('utf8'));
    const heads = texts.map((text) => JSON.parse(text.slice(0, text.indexOf('\0'))) as { head: { seq: number } });
    expect(Math.max(...heads.map((record) => record.head.seq))).toBe(3);
    await core.close();
    expect(await descriptorsOn(path)).toBe(0);
    expect(heldHeadFiles()).toBe(0);
    // Reopened, the record written through the old descriptor is the one the check reads.
    const again = await ledger.open();
    expect((await again.status()).authorization.state).toBe('ok');
    expect(code(await again.handle(withdrawal(cards[0]!.pan, 10_000)))).toBe('00');
    await again.close();
  });
});

describe('core.diagnostics(): what a stalled round is waiting for', () => {
  let ledger: TempLedger;
  beforeEach(async () => {
    ledger = await tempLedger();
  });
  afterEach(async () => {
    await ledger.cleanup();
  });

  it('names the round under way and which of its two writes is still pending', async () => {
    let release: () => void = () => undefined;
    let hold = false;
    const core = await ledger.open({
      writeBatch: async (ops, write) => {
        if (hold) await new Promise<void>((resolve) => (release = resolve));
        return write(ops);
      },
    });
    await core.installEntitlementSet(signedSet());
    expect(core.diagnostics()).toMatchObject({ queued: 0, draining: false, round: undefined, authorization: 'ok' });
    hold = true;
    const answers = [core.handle(withdrawal(cards[0]!.pan, 10_000)), core.handle(withdrawal(cards[1]!.pan, 10_000))];
    // The record beside the held batch settles; the batch does not.
    await vi.waitFor(() => expect(core.diagnostics().round?.record).toBe('done'));
    const held = core.diagnostics();
    expect(held).toMatchObject({ draining: true, round: { requests: 2, phase: 'writing', batch: 'pending' } });
    expect(held.round?.readBack).toBe('waiting');
    expect(held.headFileWritesPending).toBe(0);
    release();
    expect((await Promise.all(answers)).map(code)).toEqual(['00', '00']);
    await core.close();
    expect(core.diagnostics()).toMatchObject({ queued: 0, draining: false, round: undefined });
  });
});

describe('writeHeadFileDurably', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edc-head-file-'));
  });
  afterEach(async () => {
    await releaseHeadFile(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('drops the descriptor after a failed write, so the next write opens the file afresh', async () => {
    const path = join(dir, 'head.bin');
    holdHeadFile(dir);
    await mkdir(path); // a folder where the file should be: opening it for writing fails
    await expect(writeHeadFileDurably(dir, path, Buffer.from('one'), 0)).rejects.toThrow(/EISDIR/);
    expect(heldHeadFiles()).toBe(0);
    await rmdir(path);
    await writeFile(path, Buffer.alloc(8));
    await writeHeadFileDurably(dir, path, Buffer.from('two'), 4);
    expect(heldHeadFiles()).toBe(1);
    expect((await readFile(path)).subarray(4, 7).toString()).toBe('two');
    await releaseHeadFile(dir);
    expect(heldHeadFiles()).toBe(0);
    expect(await descriptorsOn(path)).toBe(0);
  });

  it('opens and closes the file around a write for a folder whose ledger is not open', async () => {
    const path = join(dir, 'head.bin');
    await writeFile(path, Buffer.alloc(8));
    await writeHeadFileDurably(dir, path, Buffer.from('abc'), 1);
    expect(heldHeadFiles()).toBe(0);
    expect(await descriptorsOn(path)).toBe(0);
    expect((await readFile(path)).subarray(1, 4).toString()).toBe('abc');
  });
});

describe('head record batch region', () => {
  let ledger: TempLedger;
  beforeEach(async () => {
    ledger = await tempLedger();
  });
  afterEach(async () => {
    await ledger.cleanup();
  });

  it('a slot whose batch region does not match its sum is torn: the other slot counts, ledger trusted', async () => {
    const dir = join(ledger.dir, 'ledger');
    const core = await ledger.open();
    await core.installEntitlementSet(signedSet());
    const round = [0, 1, 2, 3].map((i) => core.handle(withdrawal(cards[i % cards.length]!.pan, 10_000)));
    expect((await Promise.all(round)).map(code)).toEqual(['00', '00', '00', '00']);
    await core.close();
    const picked = await readHeadRecord(diskStorage, dir);
    if (picked.kind !== 'ok') throw new Error(`expected a record, found ${picked.kind}`);
    expect(picked.record.head.seq).toBe(4);
    expect(picked.record.batch?.ops).toBeUndefined(); // four approvals do not fit a slot
    expect(JSON.parse(picked.batch ?? '[]')).toContainEqual(expect.objectContaining({ sublevel: 'entries' }));
    const slot = picked.record.version % 2 === 0 ? 0 : 1;
    const path = join(dir, headRecordFileName);
    const bytes = await readFile(path);
    bytes[headBatchOffset(slot) + 10] = bytes[headBatchOffset(slot) + 10]! ^ 0xff;
    await writeFile(path, bytes);
    const fallback = await readHeadRecord(diskStorage, dir);
    expect(fallback.kind === 'ok' ? fallback.record.version : fallback.kind).toBe(picked.record.version - 1);
    const again = await ledger.open();
    expect((await again.status()).authorization.state).toBe('ok');
    expect((await again.unacknowledged(10)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    await again.close();
  });
});

describe('head record after a failed round', () => {
  let ledger: TempLedger;
  beforeEach(async () => {
    ledger = await tempLedger();
  });
  afterEach(async () => {
    await ledger.cleanup();
  });

  it('names the committed head, without the failed batch, before the 96 is heard', async () => {
    const dir = join(ledger.dir, 'ledger');
    const faults = createStorageFaults({ seed: 1 });
    let release: () => void = () => undefined;
    const reopened = new Promise<void>((done) => (release = done));
    let opens = 0;
    // Recovery's reopen waits until the record has been read, so nothing moves it meanwhile.
    const storage: LedgerStorage = {
      ...faults.storage,
      open: async (path) => {
        opens += 1;
        if (opens > 1) await reopened;
        return faults.storage.open(path);
      },
    };
    const core = await ledger.open({ storage });
    await core.installEntitlementSet(signedSet());
    expect(code(await core.handle(withdrawal(cards[0]!.pan, 10_000)))).toBe('00');
    faults.script('fail');
    expect(code(await core.handle(withdrawal(cards[1]!.pan, 10_000)))).toBe('96');
    const picked = await readHeadRecord(diskStorage, dir);
    if (picked.kind !== 'ok') throw new Error(`expected a record, found ${picked.kind}`);
    expect([picked.record.head.seq, picked.record.batch]).toEqual([1, undefined]);
    release();
    await core.close();
  });
});
