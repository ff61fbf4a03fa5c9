/**
 * A fault-injecting ledger storage, for tests and the seeded soak simulation: it wraps the real
 * one (LevelDB on disk) and makes batch writes, head record writes and reads fail the way disks
 * and classic-level do.
 *
 * Write faults (each a batch write that rejects with EDC_ERR_LEDGER_WRITE):
 *   fail               nothing of the batch is persisted (ENOSPC before the log record)
 *   torn               a prefix of the batch's operations is persisted, the rest is not
 *   persist-then-fail  all of it is persisted, yet the write reports failure (fsync EIO after the
 *                      data reached the disk)
 * After any of these the database handle is poisoned, as classic-level's is after a failed
 * synced write: later writes on it resolve as if they succeeded but are silently not durable.
 * They stay readable through that handle and are undone the next time the folder is opened
 * through this storage (they are journalled to edc-faults-lost.json in the ledger folder, so a
 * restart in another process loses them too). An agent that keeps writing on a failed handle
 * loses approvals; stats.writesOnPoisonedHandle counts such writes and must stay 0.
 * Read faults: a get, getMany or range read rejects with EDC_ERR_LEDGER_READ.
 * Disk full: while `diskFull` is true (or the plan's diskFullWhileExists file exists), every
 * batch and head record write fails with nothing persisted.
 *
 * Seeded: the same plan and the same sequence of calls inject the same faults. In another
 * process set EDC_AGENT_STORAGE_FAULTS to the plan as JSON, e.g.
 *   EDC_AGENT_STORAGE_FAULTS='{"seed":7,"writeFailRate":0.02,"tornWriteRate":0.01}'
 * and openAgentCore() uses this storage (it logs a warning saying so).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ERR_CORE_OPTIONS, ERR_LEDGER_READ, ERR_LEDGER_WRITE } from './errors.ts';
import { diskStorage, type LedgerDb, type LedgerStorage, type LedgerSub } from './store.ts';
import type { BatchOp, SublevelName } from './types.ts';

export const storageFaultsEnv = 'EDC_AGENT_STORAGE_FAULTS';
export const lostWritesFileName = 'edc-faults-lost.json';

export const WriteFault = z.enum(['fail', 'torn', 'persist-then-fail']);
export type WriteFault = z.infer<typeof WriteFault>;

const Rate = z.number().min(0).max(1).default(0);

export const StorageFaultPlan = z.strictObject({
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Probability per batch write of each write fault. */
  writeFailRate: Rate,
  tornWriteRate: Rate,
  persistThenFailRate: Rate,
  /** Probability per read (get, getMany, range) of a read error. */
  readFailRate: Rate,
  /** Probability per head record write of a failure (nothing written). */
  headRecordFailRate: Rate,
  /** Scripted faults: the n-th batch write of this storage (1-based, every handle) gets `fault`. */
  scripted: z
    .array(z.strictObject({ atWrite: z.number().int().min(1), fault: WriteFault }))
    .max(10_000)
    .default([]),
  /** While this file exists every write fails as on a full disk (lets a parent toggle it). */
  diskFullWhileExists: z.string().min(1).optional(),
});
export type StorageFaultPlan = z.input<typeof StorageFaultPlan>;

export interface StorageFaultStats {
  writes: number;
  failedWrites: number;
  tornWrites: number;
  persistedThenFailed: number;
  diskFullWrites: number;
  headRecordFailures: number;
  readFailures: number;
  /** Writes accepted on a handle after it failed: each is lost at the next open. Must stay 0. */
  writesOnPoisonedHandle: number;
  /** Operations undone when a folder was reopened (the poisoned writes coming true). */
  lostAtReopen: number;
  opens: number;
}

export interface StorageFaults {
  readonly storage: LedgerStorage;
  readonly stats: StorageFaultStats;
  /** While true, every batch and head record write fails with nothing persisted. */
  diskFull: boolean;
  /** The next batch writes get these faults, in order (before any random or planned fault). */
  script(...faults: WriteFault[]): void;
  /** The next `count` reads fail. */
  failReads(count: number): void;
  /** The next `count` head record writes fail (nothing written). */
  failHeadRecordWrites(count: number): void;
}

interface LostOp {
  readonly sublevel: SublevelName;
  readonly key: string;
  readonly present: boolean;
  readonly value?: unknown;
}

/** mulberry32: small, fast and good enough to pick faults reproducibly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createStorageFaults(input: StorageFaultPlan = {}, base: LedgerStorage = diskStorage): StorageFaults {
  const plan = StorageFaultPlan.parse(input);
  const random = seeded(plan.seed);
  const queue: WriteFault[] = [];
  const scripted = new Map(plan.scripted.map((s) => [s.atWrite, s.fault]));
  let readsToFail = 0;
  let headWritesToFail = 0;
  const stats: StorageFaultStats = {
    writes: 0,
    failedWrites: 0,
    tornWrites: 0,
    persistedThenFailed: 0,
    diskFullWrites: 0,
    headRecordFailures: 0,
    readFailures: 0,
    writesOnPoisonedHandle: 0,
    lostAtReopen: 0,
    opens: 0,
  };
  const faults: StorageFaults = {
    stats,
    diskFull: false,
    script: (...next) => void queue.push(...next),
    failReads: (count) => void (readsToFail += count),
    failHeadRecordWrites: (count) => void (headWritesToFail += count),
    storage: undefined as unknown as LedgerStorage,
  };
  const isDiskFull = (): boolean =>
    faults.diskFull || (plan.diskFullWhileExists !== undefined && existsSync(plan.diskFullWhileExists));
  const nextWriteFault = (): WriteFault | 'disk-full' | undefined => {
    stats.writes += 1;
    const planned = queue.shift() ?? scripted.get(stats.writes);
    if (isDiskFull()) return 'disk-full';
    if (planned !== undefined) return planned;
    const roll = random();
    if (roll < plan.writeFailRate) return 'fail';
    if (roll < plan.writeFailRate + plan.tornWriteRate) return 'torn';
    if (roll < plan.writeFailRate + plan.tornWriteRate + plan.persistThenFailRate) return 'persist-then-fail';
    return undefined;
  };
  const readFails = (): boolean => {
    if (readsToFail > 0) readsToFail -= 1;
    else if (!(plan.readFailRate > 0 && random() < plan.readFailRate)) return false;
    stats.readFailures += 1;
    return true;
  };
  const hooks: Hooks = { nextWriteFault, readFails, stats, random };
  (faults as { storage: LedgerStorage }).storage = {
    open: async (dir) => {
      stats.opens += 1;
      const db = await base.open(dir);
      stats.lostAtReopen += await undoLostWrites(db);
      return faultyDb(db, hooks);
    },
    readHeadRecordSlots: (dir) => base.readHeadRecordSlots(dir),
    readHeadRecordBatch: (dir, slot, bytes) => base.readHeadRecordBatch(dir, slot, bytes),
    writeHeadRecordSlot: async (dir, slot, text, batch) => {
      const scriptedFailure = headWritesToFail > 0;
      if (scriptedFailure) headWritesToFail -= 1;
      if (scriptedFailure || isDiskFull() || (plan.headRecordFailRate > 0 && random() < plan.headRecordFailRate)) {
        stats.headRecordFailures += 1;
        throw injectedWriteError(dir, 'head record', 'ENOSPC');
      }
      await base.writeHeadRecordSlot(dir, slot, text, batch);
    },
  };
  return faults;
}

interface Hooks {
  readonly nextWriteFault: () => WriteFault | 'disk-full' | undefined;
  readonly readFails: () => boolean;
  readonly stats: StorageFaultStats;
  readonly random: () => number;
}

function faultyDb(db: LedgerDb, hooks: Hooks): LedgerDb {
  let poisoned = false;
  const sub = {} as Record<SublevelName, LedgerSub>;
  for (const [name, inner] of Object.entries(db.sub) as Array<[SublevelName, LedgerSub]>)
    sub[name] = faultySub(db.dir, name, inner, hooks);
  return {
    dir: db.dir,
    sub,
    close: () => db.close(),
    write: async (ops) => {
      if (poisoned) {
        hooks.stats.writesOnPoisonedHandle += 1;
        await journalLostWrites(db, ops);
        return db.write(ops);
      }
      const fault = hooks.nextWriteFault();
      if (fault === undefined) return db.write(ops);
      poisoned = true;
      await injectWriteFault(db, ops, fault, hooks);
    },
  };
}

async function injectWriteFault(
  db: LedgerDb,
  ops: readonly BatchOp[],
  fault: WriteFault | 'disk-full',
  hooks: Hooks,
): Promise<never> {
  const { stats } = hooks;
  if (fault === 'torn' && ops.length > 1) {
    stats.tornWrites += 1;
    await db.write(ops.slice(0, 1 + Math.floor(hooks.random() * (ops.length - 1))));
  } else if (fault === 'persist-then-fail') {
    stats.persistedThenFailed += 1;
    await db.write(ops);
  } else if (fault === 'disk-full') stats.diskFullWrites += 1;
  else stats.failedWrites += 1;
  throw injectedWriteError(db.dir, `batch of ${ops.length} operations (${fault})`, fault === 'fail' ? 'EIO' : 'ENOSPC');
}

function injectedWriteError(dir: string, what: string, errno: string): Error {
  const cause = Object.assign(new Error(`${errno}: injected fault`), { code: errno });
  return new ERR_LEDGER_WRITE(`Cannot write ${what} to the ledger at ${dir}: ${cause.message}`, { dir }, cause);
}

function faultySub(dir: string, name: SublevelName, inner: LedgerSub, hooks: Hooks): LedgerSub {
  const check = (what: string): void => {
    if (hooks.readFails())
      throw new ERR_LEDGER_READ(`Cannot read the ledger at ${dir} (${what} in ${name}): EIO: injected fault`, { dir });
  };
  return {
    get: async (key) => (check(`get ${key}`), inner.get(key)),
    getMany: async (keys) => (check('getMany'), inner.getMany(keys)),
    all: async (range) => (check('range read'), inner.all(range)),
    iterate: (range) => ({
      [Symbol.asyncIterator]: () => {
        check('range read');
        return inner.iterate(range)[Symbol.asyncIterator]();
      },
    }),
  };
}

/** Records what each key held before a write on a poisoned handle, so a reopen can undo it. */
async function journalLostWrites(db: LedgerDb, ops: readonly BatchOp[]): Promise<void> {
  const path = join(db.dir, lostWritesFileName);
  const journal: LostOp[] = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LostOp[]) : [];
  for (const op of ops) {
    const value = await db.sub[op.sublevel].get(op.key);
    journal.push({ sublevel: op.sublevel, key: op.key, present: value !== undefined, value });
  }
  writeFileSync(path, JSON.stringify(journal));
}

async function undoLostWrites(db: LedgerDb): Promise<number> {
  const path = join(db.dir, lostWritesFileName);
  if (!existsSync(path)) return 0;
  const journal = JSON.parse(readFileSync(path, 'utf8')) as LostOp[];
  const undo: BatchOp[] = journal
    .reverse()
    .map((op) =>
      op.present
        ? { type: 'put', sublevel: op.sublevel, key: op.key, value: op.value }
        : { type: 'del', sublevel: op.sublevel, key: op.key },
    );
  if (undo.length > 0) await db.write(undo);
  rmSync(path);
  return undo.length;
}

/** The storage EDC_AGENT_STORAGE_FAULTS asks for, or undefined when it is unset or empty. */
export function storageFaultsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageFaults | undefined {
  const text = env[storageFaultsEnv];
  if (text === undefined || text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ERR_CORE_OPTIONS(
      `Cannot read ${storageFaultsEnv}: expected a JSON fault plan, found ${text.slice(0, 60)}`,
    );
  }
  const parsed = StorageFaultPlan.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ERR_CORE_OPTIONS(
      `Cannot read ${storageFaultsEnv}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
    );
  }
  return createStorageFaults(parsed.data);
}
