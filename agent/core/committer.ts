/**
 * Write-ahead with group commit. Requests that write (0200, 0400, 0500) wait in a queue; one
 * drain loop takes every request waiting at that moment (at most groupCommitMax), decides them
 * in arrival order against the state as the earlier ones of the group left it, and writes ONE
 * synced batch holding the new entries, entitlement and exposure changes, indexes, dedupe
 * records and meta. Only after that batch is on disk, its entries read back and re-checked, and
 * the head record (head-record.ts) moved past them, are the responses released. The batch and
 * the record are written side by side, the record carrying the batch (writeRound, head-batch.ts),
 * so a round waits for one disk sync instead of two in a row. So a terminal
 * can never be told "approved" for a withdrawal a power cut could still erase, and one fsync is
 * shared by all requests of a group (the reason the throughput grows with concurrent callers:
 * see bench/agent-ledger.ts). At most pendingRequestsMax requests wait; one more is answered 96
 * at once (logged as EDC_ERR_CORE_BUSY) instead of growing the queue without bound.
 *
 * The pair assertion around the write costs one signature check per batch, not two per entry:
 * before the write every new entry must link (seq, prevHash), hash to its own signing bytes and
 * the batch's last entry must verify under the agent's key (every entry is signed by the same
 * key and code, so a wrong key or a broken signer shows on it; on open the newest entries are
 * verified one by one, load.ts); after the write each entry read back must be, field for field
 * in the same order, the entry that was checked (compared as JSON text).
 *
 * If anything of that fails (a read while deciding, the batch, the read-back, the head record),
 * every request of the group is answered 96 with a Bahasa Indonesia reason, nothing of the
 * round reaches memory, and the failure goes to the core, which stops trusting the database
 * handle and recovers (recovery.ts): the batch may be on disk in full, in part or not at all,
 * and its approvals were never heard as approved, so recovery completes the batch and reverses
 * them. While the core refuses (storage failure, damaged ledger) a group is answered at once
 * from `refusal`, without touching the disk.
 */
import { isEdcError, type EdcError } from '../../protocol/errors.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import {
  entryBody,
  entryHash,
  verifyEntry,
  type ChainBreak,
  type ChainHead,
  type LedgerEntry,
} from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { decideReversal } from './decide-reversal.ts';
import { decideSettlement } from './decide-settlement.ts';
import { decideWithdrawal } from './decide-card.ts';
import { decisionKey } from './decision-key.ts';
import { ERR_CORE_BUSY, ERR_LEDGER_CORRUPT, ERR_LEDGER_WRITE } from './errors.ts';
import { RecentDecisions } from './recent-decisions.ts';
import { replay } from './replay.ts';
import type { CoreRequest } from './requests.ts';
import { buildResponse, busyText, storageFaultText } from './responses.ts';
import { closeRound, keyOf, openRound, prefetchDedupe, storedResponse, type Round } from './round.ts';
import type { Unheard } from './failed-round.ts';
import type { SerialLock } from './serial.ts';
import type { CoreState } from './state.ts';
import { seqKey } from './store.ts';
import type { ClockReading, TrustedTimes } from './trusted-clock.ts';
import { headBatchBytesMax } from './head-record.ts';
import type { BatchOp, BatchWriter, ChainPoint } from './types.ts';

/** A round's batch as its head record carries it: the head it was built on, and its ops as JSON. */
export interface RecordedBatch {
  readonly from: ChainPoint;
  readonly text: string;
}

export type WritingRequest = Extract<CoreRequest, { kind: 'withdrawal' | 'reversal' | 'settlement' }>;

/** One side of a round's write: not yet started, on its way to the disk, durable, or failed. */
export type WriteSide = 'waiting' | 'pending' | 'done' | 'failed';

/**
 * The round being committed now, for a watchdog's dump when answers stop coming (counts and
 * states only: no card data). `ms` counts from the moment the phase began.
 */
export interface RoundTrace {
  requests: number;
  phase: 'deciding' | 'writing' | 'answering';
  since: number;
  batch: WriteSide;
  readBack: WriteSide;
  record: WriteSide;
}

/** What the committer is doing, for diagnosing a stall (bench/agent-ledger.ts's watchdog). */
export interface CommitterDiagnostics {
  readonly queued: number;
  readonly draining: boolean;
  readonly batches: number;
  /** The round under way, with how long (ms) it has been in its phase; undefined between rounds. */
  readonly round: (Omit<RoundTrace, 'since'> & { ms: number }) | undefined;
}

interface Pending {
  readonly message: IsoMessage;
  readonly request: WritingRequest;
  readonly resolve: (response: IsoMessage) => void;
  readonly reject: (error: unknown) => void;
}

/** A round that failed: what may be on disk, and what its requests were told instead. */
export interface CommitFailure {
  readonly error: EdcError;
  /** The batch, when it was handed to the disk (it may be there in full, in part or not at all). */
  readonly ops: readonly BatchOp[] | undefined;
  readonly round: Round | undefined;
  /** The round's approvals, each 0200's dedupe record as it must end: the 96 its terminal heard (or would have). */
  readonly unheard: readonly Unheard[];
}

export interface CommitterDeps {
  readonly context: EngineContext;
  readonly state: () => CoreState;
  readonly lock: SerialLock;
  readonly groupCommitMax: number;
  /** Requests waiting for a batch, across every terminal; one more is answered 96 at once. */
  readonly pendingRequestsMax: number;
  readonly writeBatch: BatchWriter;
  readonly time: () => ClockReading;
  readonly trustedTimes: () => TrustedTimes;
  /** The answer while the core refuses to write (storage failure, damaged ledger), else undefined. */
  readonly refusal: (message: IsoMessage) => IsoMessage | undefined;
  /** The head record version the next round's record will have (its batch stores it in meta). */
  readonly recordVersion: () => number;
  /**
   * Before any answer: moves the head record past the round. With `batch`, it runs beside the
   * LevelDB batch and carries it; without, it runs after the batch is durable and read back.
   */
  readonly afterWrite: (round: Round, batch: RecordedBatch | undefined) => Promise<void>;
  readonly committed: (round: Round) => void;
  /**
   * After a failed round, before its 96 answers: a head record for the committed head, no batch,
   * carrying the round's ops and its unheard approvals when it has any (failed-round.ts). Resolves
   * whether that record is durable; never rejects.
   */
  readonly retract: (failed: { ops: readonly BatchOp[]; unheard: readonly Unheard[] } | undefined) => Promise<boolean>;
  readonly failed: (failure: CommitFailure) => void;
}

export class GroupCommitter {
  private readonly queue: Pending[] = [];
  private readonly recent = new RecentDecisions();
  private draining: Promise<void> | undefined;
  private trace: RoundTrace | undefined;
  /** Batches written so far (status and benchmarks). */
  batches = 0;
  /** Requests answered 96 at once because pendingRequestsMax were already waiting. */
  refusedBusy = 0;

  constructor(private readonly deps: CommitterDeps) {}

  submit(message: IsoMessage, request: WritingRequest): Promise<IsoMessage> {
    if (this.queue.length >= this.deps.pendingRequestsMax) return Promise.resolve(this.refuseBusy(message));
    return new Promise<IsoMessage>((resolve, reject) => {
      this.queue.push({ message, request, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  private refuseBusy(message: IsoMessage): IsoMessage {
    this.refusedBusy += 1;
    const error = new ERR_CORE_BUSY(
      `Cannot queue ${message.mti} STAN ${String(message.fields[11])}: ` +
        `${this.queue.length} requests already wait for the ledger, ` +
        `pendingRequestsMax is ${this.deps.pendingRequestsMax}`,
      { pending: this.queue.length, pendingRequestsMax: this.deps.pendingRequestsMax },
    );
    this.deps.context.logger.warn({ err: error, terminalId: message.fields[41] }, 'request refused: ledger queue full');
    return buildResponse(message, '96', { text: busyText });
  }

  diagnostics(): CommitterDiagnostics {
    const t = this.trace;
    const ms = t === undefined ? 0 : Math.round(performance.now() - t.since);
    const round = t === undefined ? undefined : { ...pick(t), ms };
    return { queued: this.queue.length, draining: this.draining !== undefined, batches: this.batches, round };
  }

  /** Resolves when every request submitted so far has been answered. */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let group: Pending[] = [];
        // The group is taken when the lock is granted, not before: everything that arrived while
        // the previous batch was being written (or in the same tick) joins it. commit() answers
        // every failure it knows of; the catch only keeps a bug from leaving a caller hanging.
        await this.deps.lock
          .run(() => this.commit((group = this.queue.splice(0, this.deps.groupCommitMax))))
          .catch((error: unknown) => {
            for (const pending of group) pending.reject(error);
          });
      }
    } finally {
      // In the same turn as the last emptiness check: a request submitted after it starts a new drain.
      this.draining = undefined;
    }
  }

  private async commit(group: readonly Pending[]): Promise<void> {
    this.trace = { requests: group.length, phase: 'deciding', since: performance.now(), ...notStarted };
    try {
      await this.commitTraced(group);
    } finally {
      this.trace = undefined;
    }
  }

  private async commitTraced(group: readonly Pending[]): Promise<void> {
    if (this.answerRefused(group)) return;
    let round: Round;
    let responses: IsoMessage[];
    try {
      ({ round, responses } = await this.decideGroup(group));
    } catch (error) {
      return this.fail(group, error, undefined, undefined);
    }
    const ops = closeRound(round, this.deps.trustedTimes(), this.deps.recordVersion());
    try {
      await this.writeRound(round, ops);
    } catch (error) {
      return this.fail(group, error, round, ops);
    }
    this.deps.committed(round);
    for (const [key, record] of round.dedupe) this.recent.remember(key, record);
    group.forEach((pending, i) => pending.resolve(responses[i]!));
  }

  /**
   * While the core refuses, the disk is not read: a request is answered from the recent
   * decisions when it retransmits one (its original answer), else with the refusal.
   */
  private answerRefused(group: readonly Pending[]): boolean {
    const refused = group.map((pending) => this.deps.refusal(pending.message));
    if (refused.every((response) => response === undefined)) return false;
    group.forEach((pending, i) => {
      const { key, print } = decisionKey(this.deps.context, pending.message, pending.request);
      const previous = this.recent.get(key);
      const answer = previous === undefined ? undefined : replay(pending.message, previous, print);
      pending.resolve(answer ?? refused[i] ?? buildResponse(pending.message, '96'));
    });
    return true;
  }

  private async fail(
    group: readonly Pending[],
    error: unknown,
    round: Round | undefined,
    ops: BatchOp[] | undefined,
  ): Promise<void> {
    const failure = isEdcError(error)
      ? error
      : new ERR_LEDGER_WRITE(
          `Cannot commit the ledger batch of ${group.length} requests: ${String(error)}`,
          { requests: group.length },
          error,
        );
    this.setPhase('answering');
    const responses = group.map((pending) => buildResponse(pending.message, '96', { text: storageFaultText }));
    const unheard = unheardOf(group, responses, round);
    this.deps.context.logger.error(
      { err: failure, requests: group.length, written: ops !== undefined, approvals: unheard.length },
      'ledger batch failed; its requests answered 96, the ledger is reopened before the next approval',
    );
    // The core refuses from here on, before any other request is decided.
    this.deps.failed({ error: failure, ops, round, unheard });
    // The record written beside the failed batch may be durable and carry it: before anyone hears
    // 96, a record naming the committed head, without that batch, so a crash before recovery
    // never completes (head-batch.ts) a round whose terminals were told it failed; and carrying
    // the round's approvals, so a crash before their reversal is durable does not forget that
    // their terminals heard 96 (failed-round.ts). If that record cannot be written, those
    // approvals are not answered at all: their terminals time out and reverse them (0400).
    const recorded =
      ops === undefined || (await this.deps.retract(unheard.length === 0 ? undefined : { ops, unheard }));
    const unanswered = new Set(recorded ? [] : unheard.map(([key]) => key));
    group.forEach((pending, i) => {
      const key = pending.request.kind === 'withdrawal' ? keyOf('0200', pending.request.key) : '';
      if (unanswered.has(key)) pending.reject(notAnswered(failure, key));
      else pending.resolve(responses[i]!);
    });
  }

  private async decideGroup(group: readonly Pending[]): Promise<{ round: Round; responses: IsoMessage[] }> {
    const { context } = this.deps;
    const state = this.deps.state();
    const round = openRound(state, this.deps.time(), context.utcOffsetMinutes);
    await prefetchDedupe(
      round,
      context.db,
      group.flatMap((p) => dedupeKeys(p.request)),
    );
    const responses: IsoMessage[] = [];
    for (const { message, request } of group) {
      if (request.kind === 'withdrawal') responses.push(await decideWithdrawal(context, round, message, request));
      else if (request.kind === 'reversal') responses.push(await decideReversal(context, round, message, request));
      else responses.push(await decideSettlement(context, round, message, request));
    }
    // Assertion before the write: the new entries continue the chain from the committed head.
    const broken = findNewEntryBreak(round.entries, state.head, context.publicKey);
    if (broken !== undefined) {
      throw new ERR_LEDGER_CORRUPT(`Cannot commit: new entry ${broken.index} breaks the chain (${broken.kind})`, {
        ...broken,
      });
    }
    return { round, responses };
  }

  /**
   * The round's two durable writes, side by side: the synced LevelDB batch (then its read-back)
   * and the head record carrying the same batch (head-batch.ts), so a round waits for one disk
   * sync, not two in a row. Both must succeed before any answer. A crash between them leaves
   * either the batch without the record (the ledger is ahead of its record: trusted, head-check.ts)
   * or the record without the batch (completed from the record on open). A round too big for the
   * record's batch region writes as before: the batch first, then a record without it.
   */
  private async writeRound(round: Round, ops: readonly BatchOp[]): Promise<void> {
    const text = JSON.stringify(ops);
    const batch = Buffer.byteLength(text) <= headBatchBytesMax ? { from: round.base.head, text } : undefined;
    this.setPhase('writing');
    const written = this.traced(
      'batch',
      this.deps.writeBatch(ops, (ready) => this.deps.context.db.write(ready)),
    ).then(() => {
      this.batches += 1;
      return this.traced('readBack', this.readBack(round.entries));
    });
    if (batch === undefined) await written;
    const [read, record] = await Promise.allSettled([
      written,
      this.traced('record', this.deps.afterWrite(round, batch)),
    ]);
    if (read.status === 'rejected') throw read.reason;
    if (record.status === 'rejected') throw record.reason;
  }

  private setPhase(phase: RoundTrace['phase']): void {
    if (this.trace !== undefined) Object.assign(this.trace, { phase, since: performance.now() });
  }

  /** Marks one side of the round's write as it settles (diagnostics only; the promise is returned as is). */
  private traced<T>(side: 'batch' | 'readBack' | 'record', promise: Promise<T>): Promise<T> {
    const trace = this.trace;
    if (trace === undefined) return promise;
    trace[side] = 'pending';
    promise.then(
      () => void (trace[side] = 'done'),
      () => void (trace[side] = 'failed'),
    );
    return promise;
  }

  /** Assertion after the write, paired with the one before: what is on disk is what was checked. */
  private async readBack(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const stored = await this.deps.context.db.sub.entries.getMany(entries.map((e) => seqKey(e.seq)));
    const differs = entries.findIndex((entry, i) => JSON.stringify(stored[i]) !== JSON.stringify(entry));
    if (differs >= 0) {
      throw new ERR_LEDGER_CORRUPT(
        `Cannot confirm the batch: entry ${entries[differs]!.seq} read back differs from the one written ` +
          `(batch ${entries[0]!.seq}..${entries.at(-1)!.seq})`,
        { fromSeq: entries[0]!.seq, seq: entries[differs]!.seq },
      );
    }
  }
}

/**
 * The first new entry that does not continue the chain from `from`: a seq that is not the next,
 * a prevHash that is not the previous hash, a hash that is not that of its signing bytes, or (for
 * the last entry) a signature that does not verify. The last entry's signing bytes are built once:
 * verifyEntry checks its hash before its signature (on a lone terminal's round, the only entry).
 */
export function findNewEntryBreak(
  entries: readonly LedgerEntry[],
  from: ChainHead,
  publicKey: string,
): ChainBreak | undefined {
  let head = from;
  const last = entries.length - 1;
  for (const [index, entry] of entries.entries()) {
    if (entry.seq !== head.seq + 1) return { index, kind: 'gap', expectedSeq: head.seq + 1, foundSeq: entry.seq };
    if (entry.prevHash !== head.hash)
      return { index, kind: 'prevHash', expectedPrevHash: head.hash, foundPrevHash: entry.prevHash };
    // The last entry's hash is checked by verifyEntry below, from the same signing bytes: not twice.
    if (index < last && entryHash(entryBody(entry)) !== entry.hash) return { index, kind: 'hash' };
    head = { seq: entry.seq, hash: entry.hash };
  }
  const check = last < 0 ? undefined : verifyEntry(entries[last]!, publicKey);
  return check === undefined || check.ok ? undefined : { index: last, kind: check.reason };
}

const notStarted = { batch: 'waiting', readBack: 'waiting', record: 'waiting' } as const;

function pick({ requests, phase, batch, readBack, record }: RoundTrace): Omit<RoundTrace, 'since'> {
  return { requests, phase, batch, readBack, record };
}

/** The round's approved 0200s, each with its dedupe record as it must end: the 96 answer instead of its 00. */
function unheardOf(group: readonly Pending[], responses: readonly IsoMessage[], round: Round | undefined): Unheard[] {
  if (round === undefined) return [];
  const unheard: Unheard[] = [];
  group.forEach((pending, i) => {
    if (pending.request.kind !== 'withdrawal') return;
    const key = keyOf('0200', pending.request.key);
    const record = round.dedupe.get(key);
    if (record?.seq === undefined || record.entryId === undefined || record.response?.fields[39] !== '00') return;
    unheard.push([key, { ...record, response: storedResponse(responses[i]!) }]);
  });
  return unheard;
}

function notAnswered(failure: EdcError, key: string): EdcError {
  return new ERR_LEDGER_WRITE(
    `Not answered: the approval of ${key.split('|').slice(1, 3).join(' STAN ')} is in a failed round whose record ` +
      'could not be written; its terminal times out and reverses it (0400), and recovery reverses it too',
    { requests: 1 },
    failure,
  );
}

function dedupeKeys(request: WritingRequest): string[] {
  if (request.kind === 'withdrawal') return [keyOf('0200', request.key)];
  if (request.kind === 'settlement') return [keyOf('0500', request.key)];
  return [keyOf('0400', request.key), keyOf('0200', request.original)];
}
