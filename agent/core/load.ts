/**
 * Loads the core's state from an open ledger and decides whether it may authorize: the same
 * steps on every open and after every storage failure. The state must match the disk (head
 * meta = last entry, the stored set verifies), the ledger must not be behind its head record or
 * the last gateway receipt (head-check.ts), and the chain must verify (verify.ts: every entry's
 * schema, seq, link and hash, signatures and indexes of the newest entries, the arithmetic).
 * Anything else is a problem: a coded error the core refuses with ("Buku besar rusak - hubungi
 * teknisi"), never an exception that takes the agent down or a figure silently trusted.
 */
import { isEdcError, type EdcError } from '../../protocol/errors.ts';
import { genesisHash } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { ERR_LEDGER_CORRUPT } from './errors.ts';
import { restoreFailedRound, type RecordedFailure } from './failed-round.ts';
import { completeRecordedRound } from './head-batch.ts';
import { checkHeadRecord } from './head-check.ts';
import type { HeadRecord } from './head-record.ts';
import { openVerifySignedEntries } from './limits.ts';
import { emptyState, loadState, type CoreState } from './state.ts';
import type { LedgerStorage } from './store.ts';
import type { ChainPoint } from './types.ts';
import { verifyLedger } from './verify.ts';

export interface Loaded {
  readonly state: CoreState;
  readonly problem: EdcError | undefined;
  /** A failed round the head record carries whose approvals are not reversed yet (failed-round.ts). */
  readonly failure?: RecordedFailure | undefined;
}

/** Codes that say the ledger's content cannot be trusted (as opposed to the disk not answering). */
const damageCodes = new Set(['EDC_ERR_LEDGER_CORRUPT', 'EDC_ERR_LEDGER_ROLLBACK']);

/**
 * `readErrors`: 'refuse' on open (a ledger that cannot be read through cannot be vouched for),
 * 'throw' during recovery (an I/O error there is retried with the next attempt).
 */
export async function loadChecked(
  storage: LedgerStorage,
  context: EngineContext,
  today: string,
  readErrors: 'refuse' | 'throw',
): Promise<Loaded> {
  let state: CoreState | undefined;
  try {
    await completeRecordedRound(storage, context);
    const failure = await restoreFailedRound(storage, context);
    state = await loadState(context.db, context.gatewayPublicKey, today);
    const { record, problem } = await checkHeadRecord(storage, context, state);
    if (record !== undefined) mergeRecord(state, record);
    if (problem !== undefined) return { state, problem };
    const from = Math.max(1, state.head.seq - openVerifySignedEntries + 1);
    const verification = await verifyLedger(context, { signaturesFromSeq: from, indexesFromSeq: from });
    if (verification.ok) return { state, problem: undefined, failure };
    const problem2 = new ERR_LEDGER_CORRUPT(
      `The ledger at ${context.db.dir} fails verification (${verification.problems.length} problem(s)): ` +
        verification.problems.slice(0, 3).join('; '),
      { problems: verification.problems.length },
    );
    return { state, problem: problem2 };
  } catch (error) {
    if (!isEdcError(error)) throw error;
    if (!damageCodes.has(error.code) && readErrors === 'throw') throw error;
    return { state: state ?? (await fallbackState(context, today)), problem: error };
  }
}

/** Times and the receipt the head record holds beyond what LevelDB kept. */
function mergeRecord(state: CoreState, record: HeadRecord): void {
  state.headRecordVersion = record.version;
  state.timeHigh = Math.max(state.timeHigh, record.timeHigh);
  state.gatewayTimeHigh = Math.max(state.gatewayTimeHigh, record.gatewayTimeHigh);
  if (record.receipt !== null && (state.receipt === null || record.receipt.ackSeq > state.receipt.ackSeq))
    state.receipt = record.receipt;
}

/** What can still be read of a ledger that does not load, so status shows something true. */
async function fallbackState(context: EngineContext, today: string): Promise<CoreState> {
  const state = emptyState(today);
  const read = async (key: string): Promise<unknown> => context.db.sub.meta.get(key).catch(() => undefined);
  const head = (await read('head')) as ChainPoint | undefined;
  const ack = (await read('ack')) as ChainPoint | undefined;
  state.head = head ?? { seq: 0, hash: genesisHash };
  state.ack = ack ?? { seq: 0, hash: genesisHash };
  state.halt = ((await read('halt')) as string | undefined) ?? null;
  return state;
}
