/**
 * The ledger's LevelDB layout. One root database, one sublevel per concern, JSON values:
 *   entries   seq (16 digits, zero-padded so byte order is seq order) -> LedgerEntry (append-only)
 *   ids       entry id -> seq
 *   dedupe    `${mti}|${terminalId}|${stan}|${localDate}` -> StoredResponse (the answer given)
 *   reversals withdrawal entry id -> seq of the reversal entry
 *   kpm       kpmId -> rupiah still drawable under the installed set
 *   sets      'current' -> the whole SignedEntitlementSet (kept signed, re-verified on open)
 *   terminals terminalId -> totals since that terminal's last settlement
 *   meta      'identity' | 'head' | 'ack' | 'receipt' | 'halt' | 'exposure' | 'timeHigh' |
 *             'gatewayTimeHigh' | 'lastSyncAt' | 'today'
 * Every change that belongs together is one synced batch (write-ahead), so a crash leaves either
 * all of it or none of it.
 *
 * The core sees the database only through the narrow LedgerDb below, so a fault-injecting
 * wrapper (faulty-db.ts) can stand in for it, and every failure of classic-level comes out as a
 * coded error: a write as EDC_ERR_LEDGER_WRITE, an undecodable value or a LevelDB corruption
 * report as EDC_ERR_LEDGER_CORRUPT, any other read failure as EDC_ERR_LEDGER_READ.
 */
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { isEdcError } from '../../protocol/errors.ts';
import { ERR_LEDGER_CORRUPT, ERR_LEDGER_LOCKED, ERR_LEDGER_OPEN, ERR_LEDGER_READ, ERR_LEDGER_WRITE } from './errors.ts';
import { holdHeadFile, releaseHeadFile, writeHeadFileDurably } from './head-file.ts';
import { headBatchOffset, headRecordSlotBytes } from './head-record.ts';
import type { BatchOp, SublevelName } from './types.ts';

export const sublevelNames: readonly SublevelName[] = [
  'entries',
  'ids',
  'dedupe',
  'reversals',
  'kpm',
  'sets',
  'terminals',
  'meta',
];

/** A key range, as LevelDB takes it; `limit` counts pairs. */
export interface KeyRange {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly limit?: number;
  readonly reverse?: boolean;
}

export interface LedgerSub {
  get(key: string): Promise<unknown>;
  getMany(keys: readonly string[]): Promise<unknown[]>;
  /** [key, value] pairs in key order (or reverse), streamed. */
  iterate(range?: KeyRange): AsyncIterable<[string, unknown]>;
  all(range?: KeyRange): Promise<Array<[string, unknown]>>;
}

export interface LedgerDb {
  readonly dir: string;
  readonly sub: Readonly<Record<SublevelName, LedgerSub>>;
  /** Writes the batch durably: `sync: true` makes LevelDB fsync before it resolves. */
  write(ops: readonly BatchOp[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where the ledger lives: its database and its head record (head-record.ts), a small file in
 * the same folder that LevelDB does not know about (LevelDB leaves files it did not name alone).
 */
export interface LedgerStorage {
  open(dir: string): Promise<LedgerDb>;
  /** The head record file's two slots (each up to its zero padding), or [] when there is no file. */
  readHeadRecordSlots(dir: string): Promise<string[]>;
  /**
   * Overwrites one slot in place and makes it durable (writes with O_DSYNC); creates the file
   * first. With `batch` (a round's ops as JSON text), also writes it to the slot's batch region;
   * both writes are durable when this resolves.
   */
  writeHeadRecordSlot(dir: string, slot: 0 | 1, text: string, batch?: string): Promise<void>;
  /** The `bytes` bytes of slot `slot`'s batch region as UTF-8 (shorter when the file ends first). */
  readHeadRecordBatch(dir: string, slot: 0 | 1, bytes: number): Promise<string>;
}

export const headRecordFileName = 'edc-head.bin';

const seqDigits = 16;

export function seqKey(seq: number): string {
  return String(seq).padStart(seqDigits, '0');
}

export function dedupeKey(mti: string, terminalId: string, stan: string, localDate: string): string {
  return `${mti}|${terminalId}|${stan}|${localDate}`;
}

type Level = ClassicLevel<string, unknown>;
type Sublevel = ReturnType<typeof sublevelOf>;

function sublevelOf(root: Level, name: SublevelName) {
  return root.sublevel<string, unknown>(name, { keyEncoding: 'utf8', valueEncoding: 'json' });
}

export async function openLedgerDb(dir: string): Promise<LedgerDb> {
  const root: Level = new ClassicLevel<string, unknown>(dir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    await root.open();
  } catch (cause) {
    throw openError(dir, cause);
  }
  holdHeadFile(dir);
  const levels = {} as Record<SublevelName, Sublevel>;
  const sub = {} as Record<SublevelName, LedgerSub>;
  for (const name of sublevelNames) {
    levels[name] = sublevelOf(root, name);
    sub[name] = wrapSublevel(dir, name, levels[name]);
  }
  const prefixes = Object.fromEntries(sublevelNames.map((name) => [name, `!${name}!`])) as Record<SublevelName, string>;
  return {
    dir,
    sub,
    write: async (ops) => {
      // Encoded here, on the root, exactly as the sublevels encode them (key `!name!key`, value
      // JSON text): the same bytes, without abstract-level's per-operation sublevel and
      // encoding look-ups, which cost more than the rest of a round's batch (bench/agent-ledger.ts).
      const mapped = ops.map((op) =>
        op.type === 'put'
          ? { type: 'put' as const, key: prefixes[op.sublevel] + op.key, value: encodeValue(op), valueEncoding: 'utf8' }
          : { type: 'del' as const, key: prefixes[op.sublevel] + op.key },
      );
      try {
        await root.batch(mapped, { sync: true });
      } catch (cause) {
        throw new ERR_LEDGER_WRITE(
          `Cannot write a batch of ${ops.length} operations to the ledger at ${dir}: ${reasonOf(cause)}`,
          { dir, operations: ops.length, cause: causeCode(cause) ?? 'unknown' },
          cause,
        );
      }
    },
    close: async () => {
      try {
        await root.close();
      } finally {
        await releaseHeadFile(dir);
      }
    },
  };
}

function encodeValue(op: Extract<BatchOp, { type: 'put' }>): string {
  const text = JSON.stringify(op.value) as string | undefined;
  if (text === undefined) throw new Error(`a put of ${op.sublevel} ${op.key} has no JSON value`);
  return text;
}

function wrapSublevel(dir: string, name: SublevelName, level: Sublevel): LedgerSub {
  const guard = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (cause) {
      throw readError(dir, `${what} in ${name}`, cause);
    }
  };
  return {
    get: (key) => guard(`get ${key}`, () => level.get(key)),
    getMany: (keys) => guard(`getMany of ${keys.length}`, () => level.getMany([...keys])),
    all: (range = {}) => guard('range read', () => level.iterator({ ...range }).all()),
    iterate: (range = {}) => iterateGuarded(level, range, (cause) => readError(dir, `range read in ${name}`, cause)),
  };
}

async function* iterateGuarded(
  level: Sublevel,
  range: KeyRange,
  wrap: (cause: unknown) => Error,
): AsyncIterable<[string, unknown]> {
  const iterator = level.iterator({ ...range });
  try {
    for (;;) {
      let next: [string, unknown] | undefined;
      try {
        next = await iterator.next();
      } catch (cause) {
        throw wrap(cause);
      }
      if (next === undefined) return;
      yield next;
    }
  } finally {
    await iterator.close().catch(() => undefined);
  }
}

/** Codes classic-level and LevelDB use for data that cannot be what was written. */
const corruptionCodes = new Set(['LEVEL_DECODE_ERROR', 'LEVEL_CORRUPTION', 'LEVEL_ENCODING_NOT_SUPPORTED']);

export function readError(dir: string, what: string, cause: unknown): Error {
  if (isEdcError(cause)) return cause;
  const code = causeCode(cause);
  const reason = reasonOf(cause);
  if ((code !== undefined && corruptionCodes.has(code)) || /corrupt/i.test(reason)) {
    return new ERR_LEDGER_CORRUPT(
      `Cannot read the ledger at ${dir} (${what}): the stored data is damaged: ${reason}`,
      { dir, cause: code ?? 'unknown' },
      cause,
    );
  }
  return new ERR_LEDGER_READ(
    `Cannot read the ledger at ${dir} (${what}): ${reason}`,
    { dir, cause: code ?? 'unknown' },
    cause,
  );
}

/** The most specific code in an error's cause chain (classic-level wraps LevelDB's). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  let found: string | undefined;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') found = code;
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

function reasonOf(error: unknown): string {
  let current: unknown = error;
  let text = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    text = current.message;
    current = current.cause;
  }
  return text;
}

function openError(dir: string, cause: unknown): Error {
  if (causeCode(cause) === 'LEVEL_LOCKED') {
    const error = new ERR_LEDGER_LOCKED(
      `Cannot open the ledger at ${dir}: another edc-agent process is already using it. ` +
        'Only one agent may run per ledger: stop the other agent (or wait for it to exit) and start again. ' +
        '(Buku transaksi sedang dipakai proses agen lain: hentikan agen tersebut lalu jalankan ulang.)',
      { dir },
    );
    // A bank agent reads this line on a small screen: the code and message, not a stack.
    error.stack = `${error.code}: ${error.message}`;
    return error;
  }
  return new ERR_LEDGER_OPEN(
    `Buku besar tidak bisa dibuka - hubungi teknisi / Cannot open the ledger at ${dir}: ${reasonOf(cause)}`,
    { dir, cause: causeCode(cause) ?? 'unknown' },
    cause,
  );
}

/** The real disk: classic-level for the database, node:fs for the head record. */
export const diskStorage: LedgerStorage = {
  open: openLedgerDb,
  readHeadRecordSlots: async (dir) => {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, headRecordFileName));
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ENOENT') return [];
      throw readError(dir, headRecordFileName, cause);
    }
    return [0, 1].map((slot) => {
      const part = bytes.subarray(slot * headRecordSlotBytes, (slot + 1) * headRecordSlotBytes);
      const end = part.indexOf(0);
      return part.subarray(0, end < 0 ? part.length : end).toString('utf8');
    });
  },
  readHeadRecordBatch: async (dir, slot, bytes) => {
    const path = join(dir, headRecordFileName);
    try {
      const file = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(bytes);
        const { bytesRead } = await file.read(buffer, 0, bytes, headBatchOffset(slot));
        return buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await file.close();
      }
    } catch (cause) {
      throw readError(dir, `${headRecordFileName} batch region`, cause);
    }
  },
  writeHeadRecordSlot: async (dir, slot, text, batch) => {
    const path = join(dir, headRecordFileName);
    try {
      if (!existsSync(path)) await createSlots(dir, path);
      const bytes = Buffer.alloc(headRecordSlotBytes);
      bytes.write(text, 'utf8');
      // Side by side: the header's `batch.sum` names the batch bytes, so a header that reached
      // the disk without its batch is a torn slot (the other slot counts), never a wrong one.
      await Promise.all([
        writeHeadFileDurably(dir, path, bytes, slot * headRecordSlotBytes),
        batch === undefined
          ? undefined
          : writeHeadFileDurably(dir, path, Buffer.from(batch, 'utf8'), headBatchOffset(slot)),
      ]);
    } catch (cause) {
      throw new ERR_LEDGER_WRITE(
        `Cannot write the head record ${path}: ${reasonOf(cause)}`,
        { dir, cause: causeCode(cause) ?? 'unknown' },
        cause,
      );
    }
  },
};

/** Once per ledger: both slots allocated and the file's name made durable, so later writes are in place. */
async function createSlots(dir: string, path: string): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    await file.write(Buffer.alloc(2 * headRecordSlotBytes));
    await file.sync();
  } finally {
    await file.close();
  }
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
