/**
 * Time-ordered ids: ULID (https://github.com/ulid/spec). 26 characters of Crockford base32:
 * 10 for a 48-bit millisecond timestamp, 16 for 80 random bits. Within one millisecond a factory
 * increments the random part instead of drawing a new one, so ids from one factory sort in the
 * order they were made even when the clock stands still (or steps back, which it may on a device
 * without signal: the last timestamp is then reused).
 * Clock and randomness are injectable so that seeded simulations produce the same ids.
 */
import { randomBytes } from 'node:crypto';
import { defineError } from './errors.ts';

export const ERR_ULID_OVERFLOW = defineError(
  'EDC_ERR_ULID_OVERFLOW',
  'More than 2^80 ids were made in one millisecond (cannot happen in practice)',
);

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** An agent id: 3-32 of A-Z, 0-9 and -, not starting with - (schemas.ts AgentId; SMS and struk codecs). */
export const agentIdPattern = /^[A-Z0-9][A-Z0-9-]{2,31}$/;
/** A KPM id: 4-32 of A-Z, 0-9 and -, not starting with - (schemas.ts KpmId; bank import rows; struk proofs). */
export const kpmIdPattern = /^[A-Z0-9][A-Z0-9-]{3,31}$/;
const timeMax = 2 ** 48 - 1;

export interface UlidFactoryOptions {
  readonly now?: () => number;
  readonly random?: (n: number) => Uint8Array;
}

export function ulidFactory(options: UlidFactoryOptions = {}): () => string {
  const now = options.now ?? Date.now;
  const random = options.random ?? randomBytes;
  let lastTime = -1;
  let lastRandom: Uint8Array = new Uint8Array(10);
  return () => {
    let time = Math.floor(now());
    if (!(time >= 0 && time <= timeMax)) throw new RangeError(`Cannot make a ULID: time ${time} is outside 0..2^48-1`);
    if (time <= lastTime) {
      time = lastTime;
      lastRandom = increment(lastRandom);
    } else {
      lastTime = time;
      lastRandom = Uint8Array.from(random(10));
    }
    return encodeTime(time) + encodeRandom(lastRandom);
  };
}

function increment(bytes: Uint8Array): Uint8Array {
  const next = Uint8Array.from(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 255) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  throw new ERR_ULID_OVERFLOW('Cannot make a ULID: the random part overflowed within one millisecond');
}

function encodeTime(time: number): string {
  let out = '';
  let rest = time;
  for (let i = 0; i < 10; i++) {
    out = alphabet[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits = 16 groups of 5 bits, most significant first.
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 15; i >= 0; i--) out += alphabet[Number((value >> BigInt(i * 5)) & 31n)]!;
  return out;
}

/** The millisecond timestamp a ULID carries. */
export function ulidTime(id: string): number {
  let time = 0;
  for (const char of id.slice(0, 10)) time = time * 32 + alphabet.indexOf(char);
  return time;
}

export const ulid = ulidFactory();
