/**
 * Runs ForwardPass forever in one loop: a pass, then a wait (the sync interval after success,
 * zero when a backlog remains, a full-jitter backoff after a failure, haltRecheckMs while halted),
 * then the next pass. syncNow() joins the pass in flight instead of starting a second one, so
 * two uploads of the same entries never race. stop() cancels the wait and the request in flight.
 */
import type { Logger } from 'pino';
import type { EdcError } from '../../protocol/errors.ts';
import { backoffDelayMs } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import type { ForwardPass, PassOutcome } from './forwarder.ts';

export interface ForwardLoopOptions {
  readonly intervalMs: number;
  readonly haltRecheckMs: number;
  readonly backoff: BackoffOptions;
  readonly logger: Logger;
  readonly now?: () => number;
}

export type ForwarderState = 'idle' | 'syncing' | 'waiting' | 'backoff' | 'halted' | 'stopped';

export interface ForwarderSnapshot {
  readonly state: ForwarderState;
  readonly lastAttemptAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly consecutiveFailures: number;
  readonly nextAttemptAt: number | null;
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

export class ForwardLoop {
  private state: ForwarderState = 'idle';
  private inFlight: Promise<PassOutcome> | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly cancel = new AbortController();
  private failures = 0;
  private lastAttemptAt: number | null = null;
  private lastSuccessAt: number | null = null;
  private nextAttemptAt: number | null = null;
  private lastError: EdcError | null = null;

  constructor(
    private readonly pass: ForwardPass,
    private readonly options: ForwardLoopOptions,
  ) {}

  start(): void {
    if (this.running !== undefined || this.cancel.signal.aborted) return;
    this.running = this.loop();
  }

  /** One pass now, or the one already running. */
  syncNow(): Promise<PassOutcome> {
    if (this.inFlight !== undefined) return this.inFlight;
    const now = this.options.now ?? Date.now;
    this.lastAttemptAt = now();
    this.state = 'syncing';
    this.inFlight = this.pass.run(this.cancel.signal).then((outcome) => {
      this.record(outcome, now());
      return outcome;
    });
    void this.inFlight.finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.cancel.abort();
    this.wake?.();
    await this.running;
    await this.inFlight;
    this.state = 'stopped';
  }

  snapshot(): ForwarderSnapshot {
    return {
      state: this.state,
      lastAttemptAt: this.lastAttemptAt,
      lastSuccessAt: this.lastSuccessAt,
      consecutiveFailures: this.failures,
      nextAttemptAt: this.nextAttemptAt,
      lastError: this.lastError === null ? null : { code: this.lastError.code, message: this.lastError.message },
    };
  }

  private record(outcome: PassOutcome, at: number): void {
    if (outcome.ok) {
      this.failures = 0;
      this.lastSuccessAt = at;
      this.lastError = null;
      this.state = 'idle';
      return;
    }
    this.lastError = outcome.error;
    this.state = outcome.halted ? 'halted' : 'backoff';
    if (!outcome.halted) this.failures++;
  }

  private async loop(): Promise<void> {
    while (!this.cancel.signal.aborted) {
      const outcome = await this.syncNow();
      if (this.cancel.signal.aborted) break;
      const waitMs = this.waitAfter(outcome);
      if (this.state === 'idle') this.state = 'waiting';
      this.nextAttemptAt = (this.options.now ?? Date.now)() + waitMs;
      await this.sleep(waitMs);
      this.nextAttemptAt = null;
    }
  }

  private waitAfter(outcome: PassOutcome): number {
    if (outcome.ok) return outcome.more ? 0 : this.options.intervalMs;
    if (outcome.halted) return this.options.haltRecheckMs;
    // failures was incremented for this outcome, so the first retry uses exponent 0.
    return backoffDelayMs(this.failures - 1, this.options.backoff, outcome.retryAfterMs);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
