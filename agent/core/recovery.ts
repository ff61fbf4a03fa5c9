/**
 * Fail-stop storage. After a failed write (or read) the database handle is never trusted again:
 * classic-level keeps accepting writes on a handle whose synced write failed (ENOSPC), and they
 * are not durable, so approvals answered after that would vanish at the next restart with their
 * sequence numbers reused. Instead the core refuses (every writing request answered 96) and this
 * loop, with capped full-jitter backoff, repeats one attempt until it succeeds:
 *   1. close the failed handle and open the ledger afresh (LevelDB recovers its log, dropping
 *      what never reached the disk);
 *   2. check that everything committed before the failure is still there; if not, the ledger
 *      lost approvals already answered: it is damaged (refused until an operator acts);
 *   3. write each failed batch again in full: it may have reached the disk in full, in part or
 *      not at all, and writing it again (puts and deletes of the same values) leaves one known
 *      state instead;
 *   4. load and verify (load.ts): a problem means damage;
 *   5. reverse the approvals of failed rounds, which their terminals heard as 96 or never heard
 *      (compensation.ts), in one more batch; those the newest head record carries
 *      (failed-round.ts) too, so the reversal does not hang on this process living;
 *   6. move the head record, and authorize again.
 * Any storage error in an attempt ends it; the next attempt starts over from 1 on a new handle,
 * and steps 3 and 5 are safe to repeat. Nothing is authorized until an attempt has finished.
 */
import { isEdcError, type EdcError } from '../../protocol/errors.ts';
import { compensationBatch } from './compensation.ts';
import type { EngineContext } from './context.ts';
import { ERR_LEDGER_ROLLBACK, ERR_LEDGER_WRITE } from './errors.ts';
import type { RecordedFailure, Unheard } from './failed-round.ts';
import { recoveryBackoffBaseMs, recoveryBackoffCapMs } from './limits.ts';
import type { Loaded } from './load.ts';
import { applyRound } from './round.ts';
import type { SerialLock } from './serial.ts';
import type { CoreState } from './state.ts';
import { seqKey, type LedgerStorage } from './store.ts';
import type { ClockReading, TrustedTimes } from './trusted-clock.ts';
import type { BatchOp } from './types.ts';

export interface RecoveryHost {
  readonly context: EngineContext;
  readonly storage: LedgerStorage;
  readonly lock: SerialLock;
  state(): CoreState;
  setState(state: CoreState): void;
  time(): ClockReading;
  trustedTimes(): TrustedTimes;
  load(): Promise<Loaded>;
  writeHeadRecord(): Promise<void>;
  stillFailing(error: EdcError): void;
  damaged(error: EdcError): void;
  recovered(): void;
  closing(): boolean;
}

export class Recovery {
  private pendingOps: Array<readonly BatchOp[]> = [];
  private unheard: Unheard[] = [];
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Attempts made since the last failure (status and tests). */
  attempts = 0;

  constructor(private readonly host: RecoveryHost) {}

  /** A failure: what must be written again and which approvals nobody heard; starts the loop. */
  failed(ops: readonly BatchOp[] | undefined, unheard: readonly Unheard[]): void {
    if (ops !== undefined) this.pendingOps.push(ops);
    this.unheard.push(...unheard);
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Ends the loop (the core is closing); an attempt in progress finishes first. */
  async stop(): Promise<void> {
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    for (this.attempts = 0; !this.host.closing(); this.attempts++) {
      try {
        await this.host.lock.run(() => this.attempt());
        return;
      } catch (error) {
        const coded = isEdcError(error) ? error : new ERR_LEDGER_WRITE(`Cannot recover the ledger: ${String(error)}`);
        this.host.stillFailing(coded);
        this.host.context.logger.warn({ err: coded, attempt: this.attempts }, 'ledger recovery attempt failed');
      }
      // Full jitter, as the forwarder's backoff: uniform in [0, min(cap, base * 2^attempt)).
      const ceilingMs = Math.min(recoveryBackoffCapMs, recoveryBackoffBaseMs * 2 ** Math.min(this.attempts, 20));
      await this.sleep(Math.floor(Math.random() * ceilingMs));
    }
  }

  private async attempt(): Promise<void> {
    if (this.host.closing()) return;
    const { context, storage } = this.host;
    const dir = context.db.dir;
    await context.db.close().catch(() => undefined);
    context.db = await storage.open(dir);
    const lost = await this.committedLost();
    if (lost !== undefined) return this.host.damaged(lost);
    for (const ops of this.pendingOps) await context.db.write(ops);
    this.pendingOps = [];
    const loaded = await this.host.load();
    this.host.setState(loaded.state);
    if (loaded.problem !== undefined) return this.host.damaged(loaded.problem);
    await this.compensate(loaded.failure);
    await this.host.writeHeadRecord();
    context.logger.warn(
      { attempts: this.attempts + 1, head: this.host.state().head.seq },
      'ledger reopened and verified after a storage failure; authorizing again',
    );
    this.host.recovered();
  }

  /** Step 2: the head committed (and answered) before the failure must still be on disk. */
  private async committedLost(): Promise<EdcError | undefined> {
    const committed = this.host.state().head;
    if (committed.seq === 0) return undefined;
    const entry = (await this.host.context.db.sub.entries.get(seqKey(committed.seq))) as { hash?: unknown } | undefined;
    if (entry?.hash === committed.hash) return undefined;
    return new ERR_LEDGER_ROLLBACK(
      `After reopening, the ledger no longer holds entry ${committed.seq}, committed and answered before ` +
        'the storage failure: the disk lost writes it had confirmed',
      { seq: committed.seq },
    );
  }

  /** Step 5, for the approvals in memory and those of a failed round the head record carries. */
  private async compensate(recorded: RecordedFailure | undefined): Promise<void> {
    const { context } = this.host;
    const state = this.host.state();
    const built = await compensationBatch(
      context,
      state,
      this.host.time(),
      this.host.trustedTimes(),
      this.unheard,
      recorded,
    );
    if (built !== undefined) {
      // Kept until written, so a failed write here is completed by the next attempt (step 3).
      this.pendingOps.push(built.ops);
      await context.db.write(built.ops);
      this.pendingOps = [];
      if (built.round !== undefined) applyRound(state, built.round);
      context.logger.warn(
        { reversals: built.round?.entries.length ?? 0, head: state.head.seq, recordVersion: recorded?.version },
        'approvals answered 96 during a storage failure reversed (response_timeout)',
      );
    }
    this.unheard = [];
  }

  private sleep(ms: number): Promise<void> {
    if (this.host.closing()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
