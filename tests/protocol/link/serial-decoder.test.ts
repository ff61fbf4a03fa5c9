import { describe, expect, it } from 'vitest';
import type { SerialDecodeEvent } from '../../../protocol/link/index.ts';
import { SerialFrameDecoder, encodeSerialFrame } from '../../../protocol/link/index.ts';
import { concat, fromHex, hex } from './helpers.ts';

/** Events as short strings: "frame:<hex>", "ACK", "err:EDC_ERR_FRAME_LRC". */
function summarize(events: readonly SerialDecodeEvent[]): string[] {
  return events.map((event) => {
    if (event.type === 'frame') return `frame:${hex(event.payload)}`;
    if (event.type === 'control') return event.control;
    return `err:${event.error.code}`;
  });
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const frameA = encodeSerialFrame(text('0200 withdraw'));
const frameB = encodeSerialFrame(text('0210 approved'));
const A = `frame:${hex(text('0200 withdraw'))}`;
const B = `frame:${hex(text('0210 approved'))}`;

function decodeAll(bytes: Uint8Array, decoder = new SerialFrameDecoder({ nowMs: () => 0 })): string[] {
  return summarize([...decoder.push(bytes, 0), ...decoder.finish()]);
}

describe('SerialFrameDecoder: good frames and control bytes', () => {
  it('emits one frame when the whole frame arrives in one chunk', () => {
    expect(decodeAll(frameA)).toEqual([A]);
  });

  it('emits one frame when bytes arrive one at a time', () => {
    const decoder = new SerialFrameDecoder();
    const events: SerialDecodeEvent[] = [];
    for (const byte of frameA) events.push(...decoder.push(Uint8Array.of(byte), 0));
    expect(summarize(events)).toEqual([A]);
  });

  it('emits two frames that arrive back to back in one chunk, in order', () => {
    expect(decodeAll(concat([frameA, frameB]))).toEqual([A, B]);
  });

  it('emits an empty payload for the frame 02 0000 03 03', () => {
    expect(decodeAll(fromHex('0200000303'))).toEqual(['frame:']);
  });

  it('reports ACK, NAK, EOT and ENQ seen between frames as control events', () => {
    expect(decodeAll(concat([fromHex('06'), frameA, fromHex('15 04 05')]))).toEqual(['ACK', A, 'NAK', 'EOT', 'ENQ']);
  });

  it('treats control byte values inside a payload as payload', () => {
    const payload = fromHex('06 15 04 05 02 03');
    expect(decodeAll(encodeSerialFrame(payload))).toEqual([`frame:${hex(payload)}`]);
  });

  it('hands out a payload copy that later input does not overwrite', () => {
    const decoder = new SerialFrameDecoder();
    const first = decoder.push(frameA, 0)[0];
    decoder.push(frameB, 0);
    expect(first?.type === 'frame' && hex(first.payload)).toBe(hex(text('0200 withdraw')));
  });
});

describe('SerialFrameDecoder: errors and resynchronization', () => {
  it('drops a frame with a wrong LRC (EDC_ERR_FRAME_LRC) and decodes the next one', () => {
    const bad = frameA.slice();
    bad[bad.length - 1]! ^= 0x01;
    expect(decodeAll(concat([bad, frameB]))).toEqual(['err:EDC_ERR_FRAME_LRC', B]);
  });

  it('drops a frame whose payload byte was flipped, since the LRC no longer matches', () => {
    const bad = frameA.slice();
    bad[5]! ^= 0x40;
    expect(decodeAll(bad)).toEqual(['err:EDC_ERR_FRAME_LRC']);
  });

  it('reports EDC_ERR_FRAME_LEN_BCD for length bytes 0A 00 and resynchronizes on the next STX', () => {
    expect(decodeAll(concat([fromHex('02 0a00 41'), frameA]))).toEqual([
      'err:EDC_ERR_FRAME_LEN_BCD',
      'err:EDC_ERR_FRAME_GARBAGE',
      A,
    ]);
  });

  it('reports EDC_ERR_FRAME_TOO_LARGE for a length over payloadBytesMax without buffering it', () => {
    const decoder = new SerialFrameDecoder({ payloadBytesMax: 100 });
    const events = decoder.push(concat([fromHex('02 0101'), frameA]), 0);
    expect(summarize(events)).toEqual(['err:EDC_ERR_FRAME_TOO_LARGE', 'err:EDC_ERR_FRAME_GARBAGE', A]);
    const error = events[0]?.type === 'error' ? events[0].error : undefined;
    expect(error?.details).toEqual({ declaredBytes: 101, payloadBytesMax: 100 });
  });

  it('accepts a frame of exactly payloadBytesMax', () => {
    const decoder = new SerialFrameDecoder({ payloadBytesMax: 100 });
    expect(summarize(decoder.push(encodeSerialFrame(new Uint8Array(100), { payloadBytesMax: 100 }), 0))).toHaveLength(
      1,
    );
  });

  it('reports EDC_ERR_FRAME_NO_ETX when the byte after the payload is not ETX', () => {
    const bad = frameA.slice();
    bad[bad.length - 2] = 0x41;
    expect(decodeAll(concat([bad, frameB]))).toEqual(['err:EDC_ERR_FRAME_NO_ETX', 'err:EDC_ERR_FRAME_GARBAGE', B]);
  });

  it('does not let a truncated frame swallow the good frame that follows it', () => {
    const truncated = frameA.subarray(0, 8);
    expect(decodeAll(concat([truncated, frameB]))).toContain(B);
  });

  it('does not let a length corrupted upward swallow the good frames that follow it', () => {
    const bad = frameA.slice();
    bad[1] = 0x00;
    bad[2] = 0x99; // 99 instead of 13
    const summary = decodeAll(concat([bad, frameB, frameA]));
    expect(summary.filter((s) => s.startsWith('frame:'))).toEqual([B, A]);
  });

  it('finds a frame behind a noise STX, arriving one byte at a time, once the false candidate times out', () => {
    // The noise 02 takes the real STX and the first LEN byte (02 00) as a length of 200.
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 500 });
    const events: SerialDecodeEvent[] = [];
    for (const byte of concat([fromHex('02'), frameA])) events.push(...decoder.push(Uint8Array.of(byte), 0));
    expect(events).toEqual([]);
    events.push(...decoder.poll(500));
    expect(summarize(events).filter((s) => s.startsWith('frame:'))).toEqual([A]);
  });

  it('never takes a re-examined 0x06 for an ACK', () => {
    // STX, a BCD length of 1, then 06 where ETX should be: the 06 was inside a failed frame.
    expect(decodeAll(fromHex('02 0001 41 06 99'))).toEqual(['err:EDC_ERR_FRAME_NO_ETX', 'err:EDC_ERR_FRAME_GARBAGE']);
  });

  it('collapses a run of garbage into one EDC_ERR_FRAME_GARBAGE event counting its bytes', () => {
    const decoder = new SerialFrameDecoder();
    const events = decoder.push(concat([fromHex('41 42 43 44 45'), frameA]), 0);
    expect(summarize(events)).toEqual(['err:EDC_ERR_FRAME_GARBAGE', A]);
    expect(events[0]?.type === 'error' && events[0].error.details).toEqual({ bytes: 5 });
    expect(decoder.stats().garbageBytes).toBe(5);
  });

  it('keeps one garbage run open across chunks and closes it at the next STX', () => {
    const decoder = new SerialFrameDecoder();
    expect(decoder.push(fromHex('41 42'), 0)).toEqual([]);
    expect(summarize(decoder.push(concat([fromHex('43'), frameA]), 0))).toEqual(['err:EDC_ERR_FRAME_GARBAGE', A]);
  });

  it('reports a garbage run when it reaches garbageRunBytesMax, so endless noise still shows', () => {
    const decoder = new SerialFrameDecoder({ garbageRunBytesMax: 4 });
    expect(summarize(decoder.push(new Uint8Array(10).fill(0x41), 0))).toEqual([
      'err:EDC_ERR_FRAME_GARBAGE',
      'err:EDC_ERR_FRAME_GARBAGE',
    ]);
    expect(decoder.stats().garbageBytes).toBe(10);
  });

  it('reports a frame cut off by finish() as EDC_ERR_FRAME_TRUNCATED', () => {
    const decoder = new SerialFrameDecoder();
    expect(decoder.push(frameA.subarray(0, 6), 0)).toEqual([]);
    expect(summarize(decoder.finish())).toEqual(['err:EDC_ERR_FRAME_TRUNCATED', 'err:EDC_ERR_FRAME_GARBAGE']);
    expect(decoder.inFrame).toBe(false);
  });

  it('counts errors by code in stats()', () => {
    const decoder = new SerialFrameDecoder();
    const bad = frameA.slice();
    bad[4]! ^= 1;
    decoder.push(concat([bad, bad, frameB]), 0);
    expect(decoder.stats()).toMatchObject({ framesOk: 1, errors: { EDC_ERR_FRAME_LRC: 2 } });
  });
});

describe('SerialFrameDecoder: inter-byte timeout', () => {
  it('drops a partial frame when the next byte comes interByteTimeoutMs later (EDC_ERR_FRAME_TIMEOUT)', () => {
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 500 });
    expect(decoder.push(frameA.subarray(0, 6), 1000)).toEqual([]);
    expect(summarize(decoder.push(frameB, 1500))).toEqual([
      'err:EDC_ERR_FRAME_TIMEOUT',
      'err:EDC_ERR_FRAME_GARBAGE',
      B,
    ]);
  });

  it('keeps a partial frame whose bytes come just under interByteTimeoutMs apart', () => {
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 500 });
    decoder.push(frameA.subarray(0, 6), 1000);
    expect(summarize(decoder.push(frameA.subarray(6), 1499))).toEqual([A]);
  });

  it('lets a caller with a timer flush a stale partial frame with poll(nowMs) at nextDeadlineMs()', () => {
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 500 });
    expect(decoder.nextDeadlineMs()).toBeUndefined();
    decoder.push(frameA.subarray(0, 6), 1000);
    expect(decoder.nextDeadlineMs()).toBe(1500);
    expect(decoder.poll(1499)).toEqual([]);
    expect(summarize(decoder.poll(1500))[0]).toBe('err:EDC_ERR_FRAME_TIMEOUT');
    expect(decoder.inFrame).toBe(false);
    expect(decoder.nextDeadlineMs()).toBeUndefined();
  });

  it('delivers a whole frame found behind a noise STX when the partial frame times out', () => {
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 500 });
    // 02 0099 reads as a 99-byte frame that never completes; frameA sits inside it.
    expect(decoder.push(concat([fromHex('02 0099'), frameA]), 0)).toEqual([]);
    const summary = summarize(decoder.poll(500));
    expect(summary[0]).toBe('err:EDC_ERR_FRAME_TIMEOUT');
    expect(summary).toContain(A);
  });

  it('uses the injected clock when push() is given no time', () => {
    let now = 0;
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 100, nowMs: () => now });
    decoder.push(frameA.subarray(0, 4));
    now = 100;
    expect(summarize(decoder.poll())[0]).toBe('err:EDC_ERR_FRAME_TIMEOUT');
  });

  it('reports pending garbage once the line has been quiet for interByteTimeoutMs', () => {
    const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 100 });
    decoder.push(fromHex('41 42'), 0);
    expect(decoder.nextDeadlineMs()).toBe(100);
    expect(summarize(decoder.poll(100))).toEqual(['err:EDC_ERR_FRAME_GARBAGE']);
  });
});

describe('SerialFrameDecoder: limits and options', () => {
  it('never holds more than frameBytesMax bytes', () => {
    const decoder = new SerialFrameDecoder({ payloadBytesMax: 20 });
    decoder.push(fromHex('02 0020'), 0);
    decoder.push(new Uint8Array(100).fill(0x41), 0);
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(decoder.frameBytesMax);
    expect(decoder.frameBytesMax).toBe(25);
  });

  it('refuses payloadBytesMax 0 and 10000 and a non-positive timeout with EDC_ERR_LINK_OPTIONS', () => {
    for (const options of [
      { payloadBytesMax: 0 },
      { payloadBytesMax: 10000 },
      { interByteTimeoutMs: 0 },
      { payloadBytesMax: 1.5 },
    ]) {
      expect(() => new SerialFrameDecoder(options)).toThrow(expect.objectContaining({ code: 'EDC_ERR_LINK_OPTIONS' }));
    }
  });

  it('forgets a partial frame and pending garbage on reset() without reporting them', () => {
    const decoder = new SerialFrameDecoder();
    decoder.push(concat([fromHex('41'), frameA.subarray(0, 5)]), 0);
    decoder.reset();
    expect(decoder.finish()).toEqual([]);
  });
});
