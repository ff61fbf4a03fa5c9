/**
 * A simulated SMS network between simulated modems: each SMS-SUBMIT is delivered to the modem
 * with the destination number after a seeded delay, or lost, or delivered twice; a wider delay
 * window reorders. While the network is down (windows in ms after start), sends fail with
 * +CMS ERROR 331. Everything random comes from the seeded PRNG, so a run replays from its seed.
 */
import { createPrng, type Prng } from '../common/prng.ts';

export interface NetworkOptions {
  readonly seed: number;
  /** Delivery delay, ms, uniform in [min, max]. */
  readonly delayMs: { readonly min: number; readonly max: number };
  readonly rates: {
    /** A sent SMS never arrives. */
    readonly loss: number;
    /** A sent SMS arrives twice. */
    readonly duplicate: number;
    /** A sent SMS is held back by up to 10x the largest delay (arrives after later ones). */
    readonly reorder: number;
    /** A send is refused by the network with +CMS ERROR 331 or 332. */
    readonly sendError: number;
  };
  /** Windows (ms after start) in which the network has no service. */
  readonly outages: ReadonlyArray<{ readonly fromMs: number; readonly toMs: number }>;
}

export interface NetworkStats {
  submitted: number;
  refused: number;
  lost: number;
  duplicated: number;
  delivered: number;
  undeliverable: number;
}

export type SendResult = { readonly ok: true; readonly ref: number } | { readonly ok: false; readonly cms: number };

export interface Subscriber {
  /** Takes an SMS; false when its storage is full (the network tries again later). */
  receive(from: string, data: Uint8Array, sentAt: number): boolean;
}

/** Most SMS the network holds for all destinations at once; more are counted undeliverable. */
export const networkPendingMax = 10_000;
const retryFullMs = 1_000;
const retriesMax = 600;

export class SmsNetwork {
  readonly stats: NetworkStats = { submitted: 0, refused: 0, lost: 0, duplicated: 0, delivered: 0, undeliverable: 0 };
  private readonly prng: Prng;
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly started = Date.now();
  private ref = 0;

  constructor(private readonly options: NetworkOptions) {
    this.prng = createPrng(options.seed);
  }

  attach(number: string, subscriber: Subscriber): void {
    this.subscribers.set(number, subscriber);
  }

  private down(): boolean {
    const t = Date.now() - this.started;
    return this.options.outages.some((o) => t >= o.fromMs && t < o.toMs);
  }

  send(from: string, to: string, data: Uint8Array): SendResult {
    if (this.down()) return (this.stats.refused++, { ok: false, cms: 331 });
    if (this.prng.chance(this.options.rates.sendError)) {
      this.stats.refused++;
      return { ok: false, cms: this.prng.chance(0.5) ? 331 : 332 };
    }
    this.stats.submitted++;
    this.ref = (this.ref + 1) % 256;
    const sentAt = Date.now();
    if (this.prng.chance(this.options.rates.loss)) return (this.stats.lost++, { ok: true, ref: this.ref });
    const copies = this.prng.chance(this.options.rates.duplicate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i += 1) {
      const { min, max } = this.options.delayMs;
      const held = this.prng.chance(this.options.rates.reorder) ? this.prng.int(max, 10 * max + 1) : 0;
      this.later(this.prng.int(min, max) + held, () => this.deliver(from, to, data, sentAt, 0));
    }
    return { ok: true, ref: this.ref };
  }

  private later(ms: number, run: () => void): void {
    if (this.timers.size >= networkPendingMax) return void this.stats.undeliverable++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private deliver(from: string, to: string, data: Uint8Array, sentAt: number, tries: number): void {
    const subscriber = this.subscribers.get(to);
    if (subscriber === undefined || tries >= retriesMax) return void this.stats.undeliverable++;
    if (subscriber.receive(from, data, sentAt)) return void this.stats.delivered++;
    this.later(retryFullMs, () => this.deliver(from, to, data, sentAt, tries + 1));
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
