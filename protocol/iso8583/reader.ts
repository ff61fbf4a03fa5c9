import { ERR_ISO_TRUNCATED } from './errors.ts';
import type { ErrorDetails } from '../errors.ts';

/** A cursor over an input message; every read is bounds-checked and names what it was reading. */
export class ByteReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Returns a view of the next `count` bytes (callers copy what they keep). */
  take(count: number, where: ErrorDetails): Uint8Array {
    if (count > this.remaining) {
      throw new ERR_ISO_TRUNCATED(
        `Cannot decode message: expected ${count} more bytes at offset ${this.offset}, found ${this.remaining}`,
        { ...where, offset: this.offset, needed: count, available: this.remaining },
      );
    }
    const view = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return view;
  }
}
