/**
 * The simulators' one seeded PRNG (never Math.random: a rig run, a bank file and a soak must
 * replay exactly from their seeds).
 *
 * xoshiro128** (Blackman and Vigna, 2018: https://prng.di.unimi.it/xoshiro128starstar.c): 128-bit
 * state, period 2^128 - 1, passes BigCrush, and needs only 32-bit integer operations, which
 * JavaScript does exactly through Math.imul and >>> 0. The state is filled by splitmix32 from a
 * 32-bit seed so that nearby seeds (1, 2, 3) give unrelated streams and the state is never all
 * zero (the one state xoshiro cannot leave).
 */
export interface Prng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Uint8Array;
  /** A new independent generator derived from this one (for a sub-simulation). */
  fork(label: string): Prng;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes several integers (a seed, an index, a purpose tag) into one 32-bit seed. */
export function mixSeed(...parts: readonly number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    // Two 32-bit halves, so indexes above 2^32 still mix in.
    for (const word of [part >>> 0, Math.floor(part / 0x1_0000_0000) >>> 0]) {
      hash = Math.imul(hash ^ word, 0x01000193);
      hash ^= hash >>> 15;
    }
  }
  return hash >>> 0;
}

/** A 32-bit seed from a text tag (FNV-1a), for mixSeed's purpose argument and fork labels. */
export function tag(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function xoshiroCore(seed: number): () => number {
  const fill = splitmix32(seed);
  let a = fill();
  let b = fill();
  let c = fill();
  let d = fill();
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
}

export function createPrng(seed: number): Prng {
  const nextUint32 = xoshiroCore(seed);
  const next = (): number => nextUint32() / 0x1_0000_0000;
  return {
    nextUint32,
    next,
    int: (min, max) => {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min)
        throw new RangeError(`Cannot draw an integer: expected min <= max, found ${min}..${max}`);
      return min + Math.floor(next() * (max - min + 1));
    },
    chance: (p) => p > 0 && next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('Cannot pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    bytes: (n) => Uint8Array.from({ length: n }, () => nextUint32() & 0xff),
    fork: (label) => createPrng((nextUint32() ^ tag(label)) >>> 0),
  };
}
