/**
 * Remembers the bank references seen in one file, to reject a reference's second occurrence.
 *
 * A Set<string> of millions of references costs ~80 bytes each; this open-addressing table keeps
 * a 64-bit fingerprint (two independent 32-bit FNV-1a variants) and the first line number in
 * 12 bytes per slot, at most half full. Two different references share a fingerprint with a
 * probability of about n^2 / 2^65 (4.3e-7 for 4 million rows), and such a collision would show
 * up as a DUPLICATE reject naming both lines, never as a silently merged row.
 */
const emptyLine = 0; // Line numbers start at 1, so 0 marks a free slot.

function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that near-identical references spread across slots.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export class ReferenceSet {
  #high: Uint32Array;
  #low: Uint32Array;
  #lines: Uint32Array;
  #size = 0;

  constructor(capacity = 1 << 16) {
    this.#high = new Uint32Array(capacity);
    this.#low = new Uint32Array(capacity);
    this.#lines = new Uint32Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Records the reference at `line`; returns the earlier line if it was already seen, else undefined. */
  add(reference: string, line: number): number | undefined {
    if (this.#size * 2 >= this.#lines.length) this.#grow();
    const high = fnv1a(reference, 0x811c9dc5);
    const low = fnv1a(reference, 0x9747b28c);
    const found = this.#insert(high, low, line);
    if (found === undefined) this.#size++;
    return found;
  }

  #insert(high: number, low: number, line: number): number | undefined {
    const mask = this.#lines.length - 1;
    for (let slot = (high ^ low) & mask; ; slot = (slot + 1) & mask) {
      const seen = this.#lines[slot]!;
      if (seen === emptyLine) {
        this.#high[slot] = high;
        this.#low[slot] = low;
        this.#lines[slot] = line;
        return undefined;
      }
      if (this.#high[slot] === high && this.#low[slot] === low) return seen;
    }
  }

  #grow(): void {
    const [high, low, lines] = [this.#high, this.#low, this.#lines];
    this.#high = new Uint32Array(lines.length * 2);
    this.#low = new Uint32Array(lines.length * 2);
    this.#lines = new Uint32Array(lines.length * 2);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== emptyLine) this.#insert(high[i]!, low[i]!, lines[i]!);
    }
  }
}
