/**
 * Time as the link layer sees it, injected so that tests and the field rig are deterministic
 * (a seeded fake clock) while production uses the real one.
 */

/** What setTimeout returns: a Timeout object in Node, a number in a browser or a fake clock. */
export type TimerHandle = object | number;

export interface LinkClock {
  /** Monotonic milliseconds. */
  nowMs(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. performance.now() rather than Date.now(): timeouts must not jump when the
 * agent's wall clock is corrected (an offline agent's clock is often set by hand).
 */
export const systemClock: LinkClock = Object.freeze({
  nowMs: () => performance.now(),
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, delayMs),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** One re-armable timer: arming again replaces the previous deadline, cancel() leaves none. */
export class OneShotTimer {
  private handle: TimerHandle | undefined = undefined;

  constructor(private readonly clock: LinkClock) {}

  get armed(): boolean {
    return this.handle !== undefined;
  }

  /** Runs `callback` once, `delayMs` from now (0 when negative), unless re-armed or cancelled first. */
  arm(delayMs: number, callback: () => void): void {
    this.cancel();
    this.handle = this.clock.setTimeout(
      () => {
        this.handle = undefined;
        callback();
      },
      Math.max(0, delayMs),
    );
  }

  cancel(): void {
    if (this.handle === undefined) return;
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
