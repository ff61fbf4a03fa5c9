/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter",
 * 2015): the wait before retry n is uniform in [0, min(cap, base * 2^n)). Full jitter spreads the
 * retries of many agents that lost signal together, so they do not hit the gateway in waves
 * when a tower comes back. A Retry-After from the gateway is a floor: never retry sooner.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** Uniform in [0, 1); injectable so tests and the rig are reproducible. */
  readonly random?: () => number;
}

export const backoffDefaults = Object.freeze({ baseMs: 500, capMs: 60_000 });

/** Exponents above this already exceed any sane cap (2^30 * 500 ms is years). */
const attemptExponentMax = 30;

export function backoffDelayMs(attempt: number, options: BackoffOptions, retryAfterMs?: number): number {
  const exponent = Math.min(Math.max(0, attempt), attemptExponentMax);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const jittered = Math.floor((options.random ?? Math.random)() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}
