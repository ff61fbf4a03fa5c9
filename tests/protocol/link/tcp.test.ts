import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TcpDecodeEvent } from '../../../protocol/link/index.ts';
import { TcpFrameDecoder, encodeTcpFrame } from '../../../protocol/link/index.ts';
import { isEdcError } from '../../../protocol/errors.ts';
import { concat, fromHex, hex, propertyRuns, referenceTcpFrame, splitAt } from './helpers.ts';

function summarize(events: readonly TcpDecodeEvent[]): string[] {
  return events.map((e) => (e.type === 'frame' ? `frame:${hex(e.payload)}` : `err:${e.error.code}`));
}

describe('encodeTcpFrame()', () => {
  it('prefixes the payload with its length as 2 bytes big-endian', () => {
    expect(hex(encodeTcpFrame(fromHex('313233')))).toBe('0003313233');
    expect(hex(encodeTcpFrame(new Uint8Array(300)).subarray(0, 2))).toBe('012c');
  });

  it('refuses an empty payload with EDC_ERR_FRAME_LEN_ZERO', () => {
    expect(() => encodeTcpFrame(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_FRAME_LEN_ZERO' }),
    );
  });

  it('refuses a payload over payloadBytesMax with EDC_ERR_FRAME_TOO_LARGE', () => {
    expect(() => encodeTcpFrame(new Uint8Array(9), { payloadBytesMax: 8 })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_FRAME_TOO_LARGE' }),
    );
  });

  it('refuses payloadBytesMax above 65535 with EDC_ERR_LINK_OPTIONS', () => {
    let caught: unknown;
    try {
      encodeTcpFrame(new Uint8Array(1), { payloadBytesMax: 65536 });
    } catch (error) {
      caught = error;
    }
    expect(isEdcError(caught, 'EDC_ERR_LINK_OPTIONS')).toBe(true);
  });
});

describe('TcpFrameDecoder', () => {
  it('emits one frame when bytes arrive one at a time', () => {
    const decoder = new TcpFrameDecoder();
    const events: TcpDecodeEvent[] = [];
    for (const byte of fromHex('0003 313233')) events.push(...decoder.push(Uint8Array.of(byte), 0));
    expect(summarize(events)).toEqual(['frame:313233']);
  });

  it('reports a zero length as EDC_ERR_FRAME_LEN_ZERO and reads the next prefix right after it', () => {
    const decoder = new TcpFrameDecoder();
    expect(summarize(decoder.push(fromHex('0000 0001 41'), 0))).toEqual(['err:EDC_ERR_FRAME_LEN_ZERO', 'frame:41']);
  });

  it('reports an oversize length as EDC_ERR_FRAME_TOO_LARGE and skips its payload without buffering it', () => {
    const decoder = new TcpFrameDecoder({ payloadBytesMax: 4 });
    const events = decoder.push(concat([fromHex('0005'), new Uint8Array(5), fromHex('0001 41')]), 0);
    expect(summarize(events)).toEqual(['err:EDC_ERR_FRAME_TOO_LARGE', 'frame:41']);
    expect(decoder.stats()).toMatchObject({ discardedBytes: 5, framesOk: 1 });
  });

  it('drops a partial frame after interByteTimeoutMs of silence (EDC_ERR_FRAME_TIMEOUT)', () => {
    const decoder = new TcpFrameDecoder({ interByteTimeoutMs: 100 });
    decoder.push(fromHex('0003 31'), 0);
    expect(decoder.nextDeadlineMs()).toBe(100);
    expect(decoder.poll(99)).toEqual([]);
    expect(summarize(decoder.poll(100))).toEqual(['err:EDC_ERR_FRAME_TIMEOUT']);
    expect(summarize(decoder.push(fromHex('0001 41'), 150))).toEqual(['frame:41']);
  });

  it('times out a half-read length prefix and a skip of an oversize payload alike', () => {
    const decoder = new TcpFrameDecoder({ interByteTimeoutMs: 100, payloadBytesMax: 4 });
    decoder.push(fromHex('00'), 0);
    expect(summarize(decoder.poll(100))).toEqual(['err:EDC_ERR_FRAME_TIMEOUT']);
    decoder.push(fromHex('0009 00'), 200);
    expect(summarize(decoder.push(fromHex('0001 41'), 300))).toEqual(['err:EDC_ERR_FRAME_TIMEOUT', 'frame:41']);
  });

  it('reports a frame cut off by finish() as EDC_ERR_FRAME_TRUNCATED', () => {
    const decoder = new TcpFrameDecoder();
    decoder.push(fromHex('0003 31'), 0);
    expect(summarize(decoder.finish())).toEqual(['err:EDC_ERR_FRAME_TRUNCATED']);
    expect(decoder.finish()).toEqual([]);
  });

  it('refuses payloadBytesMax 0 with EDC_ERR_LINK_OPTIONS', () => {
    expect(() => new TcpFrameDecoder({ payloadBytesMax: 0 })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_LINK_OPTIONS' }),
    );
  });
});

describe('TcpFrameDecoder properties', () => {
  const payloadArb = fc.uint8Array({ minLength: 1, maxLength: 150 });
  const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

  it('decode(encode(x)) = x for random payloads and random chunk splits', () => {
    fc.assert(
      fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 5 }), cutsArb, (payloads, cuts) => {
        const wire = concat(payloads.map((p) => encodeTcpFrame(p)));
        if (!Buffer.from(wire).equals(concat(payloads.map(referenceTcpFrame)))) return false;
        const decoder = new TcpFrameDecoder();
        const events = splitAt(wire, cuts).flatMap((chunk) => decoder.push(chunk, 0));
        return !decoder.inFrame && summarize(events).join() === payloads.map((p) => `frame:${hex(p)}`).join();
      }),
      { numRuns: propertyRuns.tcpRoundTrip },
    );
  });

  it(
    'random byte streams never throw, never buffer over payloadBytesMax,' +
      ' and frames stay in step with the prefixes',
    () => {
      const streamArb = fc.array(
        fc.oneof(fc.uint8Array({ maxLength: 40 }), payloadArb.map(referenceTcpFrame), fc.constant(fromHex('0000'))),
        { maxLength: 8 },
      );
      fc.assert(
        fc.property(streamArb, cutsArb, fc.constantFrom(8, 64, 2048), (segments, cuts, payloadBytesMax) => {
          const wire = concat(segments);
          const decoder = new TcpFrameDecoder({ payloadBytesMax });
          const events: TcpDecodeEvent[] = [];
          for (const chunk of splitAt(wire, cuts)) {
            events.push(...decoder.push(chunk, 0));
            if (decoder.bufferedBytes > payloadBytesMax) return false;
          }
          events.push(...decoder.finish());
          // Walk the prefixes independently: the decoder must agree frame for frame.
          return summarize(events).join() === referenceTcpWalk(wire, payloadBytesMax).join();
        }),
        { numRuns: propertyRuns.tcpRandomStreams },
      );
    },
  );
});

/** An independent, whole-buffer reading of a TCP stream, to hold the streaming decoder against. */
function referenceTcpWalk(wire: Uint8Array, payloadBytesMax: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < wire.length) {
    if (at + 2 > wire.length) {
      out.push('err:EDC_ERR_FRAME_TRUNCATED');
      break;
    }
    const length = wire[at]! * 256 + wire[at + 1]!;
    at += 2;
    if (length === 0) out.push('err:EDC_ERR_FRAME_LEN_ZERO');
    else if (length > payloadBytesMax) {
      out.push('err:EDC_ERR_FRAME_TOO_LARGE');
      if (at + length > wire.length) out.push('err:EDC_ERR_FRAME_TRUNCATED');
      at += length;
    } else if (at + length > wire.length) {
      out.push('err:EDC_ERR_FRAME_TRUNCATED');
      break;
    } else {
      out.push(`frame:${hex(wire.subarray(at, at + length))}`);
      at += length;
    }
  }
  return out;
}
