/**
 * Replay cache for agent request nonces, bounded in time and size. A nonce is remembered until
 * its request's timestamp leaves the skew window (after that the timestamp check refuses the
 * request anyway), so entries expire in insertion order give or take the skew. When the cache is
 * full of unexpired nonces it refuses new requests (503) rather than forget one: forgetting
 * would let a captured request be replayed.
 */
const evictScanMax = 10_000;

export class NonceCache {
  readonly #expiries = new Map<string, number>();
  constructor(private readonly entriesMax: number) {}

  get size(): number {
    return this.#expiries.size;
  }

  /** 'fresh' (and remembered), 'replay', or 'full'. */
  check(id: string, expiresAt: number, now: number): 'fresh' | 'replay' | 'full' {
    const seen = this.#expiries.get(id);
    if (seen !== undefined && seen >= now) return 'replay';
    this.#evict(now);
    if (this.#expiries.size >= this.entriesMax) return 'full';
    this.#expiries.delete(id);
    this.#expiries.set(id, expiresAt);
    return 'fresh';
  }

  /** Drops expired nonces from the front (oldest inserted), at most evictScanMax per call. */
  #evict(now: number): void {
    let dropped = 0;
    for (const [id, expiresAt] of this.#expiries) {
      if (expiresAt >= now || dropped >= evictScanMax) break;
      this.#expiries.delete(id);
      dropped += 1;
    }
  }
}
