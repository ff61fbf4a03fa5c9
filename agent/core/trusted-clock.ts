/**
 * The time the agent decides by. The wall clock of a village shop's PC can be wrong, or set
 * back on purpose to stretch the offline age limit (an entitlement set's expiresAt), so the
 * agent keeps a floor under it:
 *
 *   floor = timeHigh + (monotonic time elapsed since timeHigh was observed)
 *
 * where timeHigh is the highest time the agent has trusted: the time of every committed batch
 * and the gateway's signed times (receipt receivedAt, entitlement set issuedAt), kept durably in
 * the ledger's meta and head record. The monotonic clock (performance.now) does not follow wall
 * clock changes, so while the agent runs the floor advances with real time whatever the wall
 * clock does. A decision is stamped at = max(wall, floor): never earlier than a time already
 * seen, so setting the clock back cannot move a withdrawal before its set's expiry. A wall clock
 * more than toleranceMs behind the floor stops withdrawals (EDC_ERR_CLOCK_BEHIND) until the
 * clock is fixed or a fresh gateway time shows which side is wrong.
 *
 * A gateway time only lowers the floor when it is the newest the agent has seen (an old signed
 * receipt replayed by a man in the middle cannot) and the wall clock agrees with it within the
 * tolerance: then the wall clock is right and a floor above it came from a wall clock that had
 * run fast (a forward jump) and was corrected. Without that, a corrected fast clock would block
 * withdrawals until real time caught up with the wrong one.
 * While the agent is stopped nothing watches the clock: what a set-back during a stop can gain
 * is bounded only by the last stored timeHigh.
 */
export interface ClockReading {
  /** The wall clock. */
  readonly wall: number;
  /** The time to stamp and decide by: max(wall, floor). */
  readonly at: number;
  /** How far the wall clock is behind the floor (0 when it is not). */
  readonly behindMs: number;
  /** behindMs > toleranceMs: withdrawals are refused. */
  readonly behind: boolean;
}

export interface TrustedTimes {
  readonly timeHigh: number;
  readonly gatewayTimeHigh: number;
}

export class TrustedClock {
  private high: number;
  private monoAtHigh: number;
  private gatewayHigh: number;

  constructor(
    private readonly wall: () => number,
    private readonly monotonic: () => number,
    start: TrustedTimes,
    readonly toleranceMs: number,
  ) {
    this.high = start.timeHigh;
    this.gatewayHigh = start.gatewayTimeHigh;
    this.monoAtHigh = monotonic();
  }

  read(): ClockReading {
    const wall = this.wall();
    const floor = this.floor();
    const behindMs = Math.max(0, floor - wall);
    return { wall, at: Math.max(wall, floor), behindMs, behind: behindMs > this.toleranceMs };
  }

  /** A committed decision at `at` (from read()). */
  observe(at: number): void {
    if (at > this.floor()) this.raise(at);
  }

  /** A verified gateway-signed time. */
  observeGateway(gatewayAt: number): void {
    if (gatewayAt < this.gatewayHigh) return;
    this.gatewayHigh = gatewayAt;
    const wall = this.wall();
    if (Math.abs(wall - gatewayAt) <= this.toleranceMs) this.raise(Math.max(wall, gatewayAt));
    else if (gatewayAt > this.floor()) this.raise(gatewayAt);
  }

  /** What to store: the floor now, and the newest gateway time. */
  times(): TrustedTimes {
    return { timeHigh: this.floor(), gatewayTimeHigh: this.gatewayHigh };
  }

  private floor(): number {
    return this.high + Math.max(0, Math.floor(this.monotonic() - this.monoAtHigh));
  }

  private raise(at: number): void {
    this.high = at;
    this.monoAtHigh = this.monotonic();
  }
}
