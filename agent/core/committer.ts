/**
 * Write-ahead with group commit. Requests that write (0200, 0400, 0500) wait in a queue; one
 * drain loop takes every request waiting at that moment (at most groupCommitMax), decides them
 * in arrival order against the state as the earlier ones of the group left it, and writes ONE
 * synced batch holding the new entries, entitlement and float changes, indexes, dedupe records
 * and meta. Only after that batch is on disk, and its entries read back and re-checked, are the
 * responses released. So a terminal can never be told "approved" for a withdrawal a power cut
 * could still erase, and one fsync is shared by all requests of a group (the reason the
 * throughput grows with concurrent callers: see bench/agent-ledger.ts).
 * If the batch fails, every request of the group rejects (the caller sends nothing, the terminal
 * times out and reverses) and the in-memory state is reloaded from disk, so memory never holds a
 * decision the disk does not.
 */
import { isEdcError } from '../../protocol/errors.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import { findChainBreak, LedgerEntry } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { decideReversal } from './decide-reversal.ts';
import { decideSettlement } from './decide-settlement.ts';
import { decideWithdrawal } from './decide-card.ts';
import { ERR_LEDGER_CORRUPT, ERR_LEDGER_WRITE } from './errors.ts';
import type { CoreRequest } from './requests.ts';
import { applyRound, closeRound, keyOf, openRound, prefetchDedupe, type Round } from './round.ts';
import type { SerialLock } from './serial.ts';
import type { CoreState } from './state.ts';
import { seqKey } from './store.ts';
import type { BatchWriter, ChainPoint } from './types.ts';

export type WritingRequest = Extract<CoreRequest, { kind: 'withdrawal' | 'reversal' | 'settlement' }>;

interface Pending {
  readonly message: IsoMessage;
  readonly request: WritingRequest;
  readonly resolve: (response: IsoMessage) => void;
  readonly reject: (error: unknown) => void;
}

export interface CommitterDeps {
  readonly context: EngineContext;
  readonly state: () => CoreState;
  readonly reload: () => Promise<void>;
  readonly lock: SerialLock;
  readonly groupCommitMax: number;
  readonly writeBatch: BatchWriter;
  readonly now: () => number;
}

export class GroupCommitter {
  private readonly queue: Pending[] = [];
  private draining = false;
  /** Batches written so far (status and benchmarks). */
  batches = 0;

  constructor(private readonly deps: CommitterDeps) {}

  submit(message: IsoMessage, request: WritingRequest): Promise<IsoMessage> {
    return new Promise<IsoMessage>((resolve, reject) => {
      this.queue.push({ message, request, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // The group is taken when the lock is granted, not before: everything that arrived
        // while the previous batch was being written (or in the same tick) joins it.
        await this.deps.lock.run(() => this.commit(this.queue.splice(0, this.deps.groupCommitMax)));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(group: readonly Pending[]): Promise<void> {
    let responses: IsoMessage[];
    let round: Round;
    try {
      ({ round, responses } = await this.decideGroup(group));
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    try {
      await this.deps.writeBatch(closeRound(round), (ops) => this.deps.context.db.write(ops));
      this.batches += 1;
      await this.readBack(round.entries, round.base.head);
    } catch (error) {
      const failure = isEdcError(error)
        ? error
        : new ERR_LEDGER_WRITE(
            `Cannot write the ledger batch of ${group.length} requests: ${message(error)}`,
            { requests: group.length },
            error,
          );
      this.deps.context.logger.error(
        { err: failure, requests: group.length },
        'ledger batch failed; no response sent for its requests',
      );
      await this.deps.reload().catch(() => undefined);
      for (const pending of group) pending.reject(failure);
      return;
    }
    applyRound(this.deps.state(), round);
    group.forEach((pending, i) => pending.resolve(responses[i]!));
  }

  private async decideGroup(group: readonly Pending[]): Promise<{ round: Round; responses: IsoMessage[] }> {
    const { context } = this.deps;
    const state = this.deps.state();
    const round = openRound(state, this.deps.now(), context.utcOffsetMinutes);
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
    const broken = findChainBreak(round.entries, state.head, context.publicKey);
    if (broken !== undefined) {
      throw new ERR_LEDGER_CORRUPT(`Cannot commit: new entry ${broken.index} breaks the chain (${broken.kind})`, {
        ...broken,
      });
    }
    return { round, responses };
  }

  /** Assertion after the write, paired with the one before: what is on disk is what was built. */
  private async readBack(entries: readonly LedgerEntry[], from: ChainPoint): Promise<void> {
    if (entries.length === 0) return;
    const stored = await this.deps.context.db.sub.entries.getMany(entries.map((e) => seqKey(e.seq)));
    const parsed = stored.map((value) => LedgerEntry.safeParse(value));
    const readBack = parsed.flatMap((p) => (p.success ? [p.data] : []));
    const broken =
      readBack.length === entries.length
        ? findChainBreak(readBack, from, this.deps.context.publicKey)
        : { kind: 'missing' };
    if (broken !== undefined || readBack.some((entry, i) => entry.hash !== entries[i]?.hash)) {
      throw new ERR_LEDGER_CORRUPT(
        `Cannot confirm the batch: entries ${entries[0]!.seq}..${entries.at(-1)!.seq} ` +
          'read back differ from those written',
        {
          fromSeq: entries[0]!.seq,
        },
      );
    }
  }
}

function dedupeKeys(request: WritingRequest): string[] {
  if (request.kind === 'withdrawal') return [keyOf('0200', request.key)];
  if (request.kind === 'settlement') return [keyOf('0500', request.key)];
  return [keyOf('0400', request.key), keyOf('0200', request.original)];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
