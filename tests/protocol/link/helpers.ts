/**
 * Test helpers for the link layer: hex, an independent reference encoder (written apart from
 * the production one, so that a shared mistake cannot make both agree), chunk splitting and a
 * fake clock whose timers fire only when the test advances time.
 */
import type { LinkClock, TimerHandle } from '../../../protocol/link/index.ts';

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** STX | LEN as 4 decimal digits read as hex | payload | ETX | XOR of LEN..ETX. */
export function referenceSerialFrame(payload: Uint8Array): Uint8Array {
  const digits = String(payload.length).padStart(4, '0');
  const body = Buffer.concat([Buffer.from(digits, 'hex'), payload, Buffer.of(0x03)]);
  let lrc = 0;
  for (const byte of body) lrc ^= byte;
  return new Uint8Array(Buffer.concat([Buffer.of(0x02), body, Buffer.of(lrc)]));
}

export function referenceTcpFrame(payload: Uint8Array): Uint8Array {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(payload.length);
  return new Uint8Array(Buffer.concat([prefix, payload]));
}

/** Splits bytes at the given cut points (taken modulo the length, sorted, deduplicated). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  const points = [...new Set(cuts.map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** True when needle occurs in haystack as a contiguous run. */
export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

interface FakeTimer {
  id: number;
  atMs: number;
  callback: () => void;
}

/** A clock whose timers fire in deadline order when advance() passes them. */
export class FakeClock implements LinkClock {
  private now = 0;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  nowMs(): number {
    return this.now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, atMs: this.now + delayMs, callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by ms, firing each due timer at its own deadline. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.values()]
        .filter((t) => t.atMs <= until)
        .sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers.delete(due.id);
      this.now = Math.max(this.now, due.atMs);
      due.callback();
    }
    this.now = until;
  }
}

/**
 * fast-check runs per property, summed by a test so the suite's case count is visible and held
 * at 40,000 or more per run.
 */
export const propertyRuns = {
  serialRoundTrip: 10000,
  serialRandomStreams: 6000,
  serialFramesWithCleanGarbage: 4000,
  serialFramesWithJunkAndGaps: 4000,
  serialChunkingIndependence: 2500,
  serialBoundedBuffer: 2000,
  tcpRoundTrip: 8000,
  tcpRandomStreams: 5000,
  sessionDeliveryUnderLoss: 1500,
} as const;
