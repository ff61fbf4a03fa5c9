/**
 * The time the replay guard judges nonces by. A nonce is held until its request's timestamp plus
 * requestClockSkewMaxMs and swept once "now" passes that. If the gateway's wall clock jumps forward
 * (a bad NTP server, an operator's typo) the sweep would forget nonces that are still inside the
 * window of the true time; when the clock comes back, a request captured just before the jump
 * passes the timestamp check again and its nonce is gone: a replay. So the replay guard's "now" is
 * the wall clock held back to the monotonic clock's elapsed time since the last agreement: it
 * follows the wall clock down (backward jumps, slewing) at once, and up only after the wall clock
 * has stayed ahead for adoptAfterMs (then it was a correction, not a glitch, and nonces must not be
 * held longer than that, or a busy gateway's replay guard fills up). The timestamp window itself
 * still uses the wall clock.
 */

/** Drift between the two clocks ignored, ms (NTP slews far less in the time between two requests). */
export const replayClockToleranceMs = 1_000;

export class ReplayClock {
  #wall: number | undefined;
  #mono = 0;
  /** Monotonic time the wall clock was first seen ahead, while it stays ahead. */
  #aheadSince: number | undefined;

  constructor(
    private readonly adoptAfterMs: number,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  /** The replay guard's "now" for a request seen at wall-clock time `wall`. */
  now(wall: number): number {
    const mono = this.monotonicNow();
    if (this.#wall === undefined) return this.#agree(wall, mono);
    const expected = this.#wall + (mono - this.#mono);
    if (wall <= expected + replayClockToleranceMs) return this.#agree(wall, mono);
    this.#aheadSince ??= mono;
    if (mono - this.#aheadSince >= this.adoptAfterMs) return this.#agree(wall, mono);
    return expected;
  }

  #agree(wall: number, mono: number): number {
    this.#wall = wall;
    this.#mono = mono;
    this.#aheadSince = undefined;
    return wall;
  }
}
