/**
 * The ledger's LevelDB layout. One root database, one sublevel per concern, JSON values:
 *   entries   seq (16 digits, zero-padded so byte order is seq order) -> LedgerEntry (append-only)
 *   ids       entry id -> seq
 *   dedupe    `${mti}|${terminalId}|${stan}|${localDate}` -> StoredResponse (the answer given)
 *   reversals withdrawal entry id -> seq of the reversal entry
 *   kpm       kpmId -> rupiah still drawable under the installed set
 *   sets      'current' -> the whole SignedEntitlementSet (kept signed, re-verified on open)
 *   terminals terminalId -> totals since that terminal's last settlement
 *   meta      'identity' | 'head' | 'ack' | 'halt' | 'float' | 'lastSyncAt' | 'today'
 * Every change that belongs together is one synced batch (write-ahead), so a crash leaves either
 * all of it or none of it.
 */
import { ClassicLevel } from 'classic-level';
import { ERR_LEDGER_LOCKED, ERR_LEDGER_OPEN } from './errors.ts';
import type { BatchOp, SublevelName } from './types.ts';

type Sub = ReturnType<ClassicLevel<string, unknown>['sublevel']> & {
  get(key: string): Promise<unknown>;
};

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

export interface LedgerDb {
  readonly root: ClassicLevel<string, unknown>;
  readonly sub: Readonly<Record<SublevelName, Sub>>;
  /** Writes the batch durably: `sync: true` makes LevelDB fsync before it resolves. */
  write(ops: readonly BatchOp[]): Promise<void>;
  close(): Promise<void>;
}

const seqDigits = 16;

export function seqKey(seq: number): string {
  return String(seq).padStart(seqDigits, '0');
}

export function dedupeKey(mti: string, terminalId: string, stan: string, localDate: string): string {
  return `${mti}|${terminalId}|${stan}|${localDate}`;
}

export async function openLedgerDb(dir: string): Promise<LedgerDb> {
  const root = new ClassicLevel<string, unknown>(dir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    await root.open();
  } catch (cause) {
    throw openError(dir, cause);
  }
  const sub = {} as Record<SublevelName, Sub>;
  for (const name of sublevelNames) {
    sub[name] = root.sublevel<string, unknown>(name, { keyEncoding: 'utf8', valueEncoding: 'json' }) as Sub;
  }
  return {
    root,
    sub,
    write: async (ops) => {
      const mapped = ops.map((op) =>
        op.type === 'put'
          ? { type: 'put' as const, sublevel: sub[op.sublevel], key: op.key, value: op.value }
          : { type: 'del' as const, sublevel: sub[op.sublevel], key: op.key },
      );
      await root.batch(mapped, { sync: true });
    },
    close: () => root.close(),
  };
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'LEVEL_LOCKED') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return (error as { code?: string } | null)?.code;
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
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ERR_LEDGER_OPEN(`Cannot open the ledger at ${dir}: ${reason}`, { dir }, cause);
}
