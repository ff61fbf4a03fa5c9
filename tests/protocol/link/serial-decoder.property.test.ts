import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SerialDecodeEvent } from '../../../protocol/link/index.ts';
import { SerialFrameDecoder, encodeSerialFrame } from '../../../protocol/link/index.ts';
import { concat, contains, hex, propertyRuns, referenceSerialFrame, splitAt } from './helpers.ts';

/** Up to 150 bytes: the size of a typical ISO 8583 request, and short enough for many runs. */
const payloadArb = fc.uint8Array({ maxLength: 150 });
/** Bytes biased toward the ones the decoder gives meaning to. */
const byteArb = fc.oneof(
  fc.constantFrom(0x02, 0x03, 0x04, 0x05, 0x06, 0x15, 0x00, 0x01),
  fc.integer({ min: 0, max: 255 }),
);
const garbageArb = fc.array(byteArb, { minLength: 1, maxLength: 40 }).map((bytes) => Uint8Array.from(bytes));
const cleanGarbageArb = garbageArb.map((bytes) => bytes.map((b) => (b === 0x02 ? 0x42 : b)));
const corruptedFrameArb = fc
  .tuple(payloadArb, fc.nat(), fc.integer({ min: 1, max: 255 }))
  .map(([payload, at, mask]) => {
    const frame = referenceSerialFrame(payload).slice();
    frame[at % frame.length]! ^= mask;
    return frame;
  });
const truncatedFrameArb = fc.tuple(payloadArb, fc.nat()).map(([payload, n]) => {
  const frame = referenceSerialFrame(payload);
  return frame.subarray(0, n % frame.length);
});
const junkArb = fc.oneof(garbageArb, corruptedFrameArb, truncatedFrameArb);
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

function frames(events: readonly SerialDecodeEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'frame' ? [hex(e.payload)] : []));
}

/** Decodes chunks at one instant, then finish(); checks the buffer bound after every push. */
function decodeChunks(decoder: SerialFrameDecoder, chunks: readonly Uint8Array[], nowMs = 0): SerialDecodeEvent[] {
  const events: SerialDecodeEvent[] = [];
  for (const chunk of chunks) {
    events.push(...decoder.push(chunk, nowMs));
    // A plain check: expect() in this hot loop would dominate the property's run time.
    if (decoder.bufferedBytes > decoder.frameBytesMax)
      throw new Error(`buffered ${decoder.bufferedBytes} > ${decoder.frameBytesMax}`);
  }
  return [...events, ...decoder.finish()];
}

/** Is `needle` a subsequence of `hay` (in order, gaps allowed)? */
function isSubsequence(needle: readonly string[], hay: readonly string[]): boolean {
  let at = 0;
  for (const item of hay) if (at < needle.length && item === needle[at]) at++;
  return at === needle.length;
}

describe('SerialFrameDecoder properties', () => {
  it('decode(encode(x)) = x for random payloads and random chunk splits', () => {
    fc.assert(
      fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 5 }), cutsArb, (payloads, cuts) => {
        const wire = concat(payloads.map((p) => encodeSerialFrame(p)));
        if (!Buffer.from(wire).equals(concat(payloads.map(referenceSerialFrame)))) return false;
        const events = decodeChunks(new SerialFrameDecoder(), splitAt(wire, cuts));
        return events.length === payloads.length && frames(events).join() === payloads.map(hex).join();
      }),
      { numRuns: propertyRuns.serialRoundTrip },
    );
  });

  it(
    'random byte streams and chunkings never throw and never' +
      ' yield a frame that is not on the wire with a right LRC',
    () => {
      const segmentArb = fc.oneof(
        junkArb,
        payloadArb.map(referenceSerialFrame),
        fc.constantFrom(Uint8Array.of(0x06), Uint8Array.of(0x15)),
      );
      fc.assert(
        fc.property(
          fc.array(segmentArb, { maxLength: 8 }),
          cutsArb,
          fc.constantFrom(16, 64, 2048),
          (segments, cuts, payloadBytesMax) => {
            const wire = concat(segments);
            const events = decodeChunks(new SerialFrameDecoder({ payloadBytesMax }), splitAt(wire, cuts));
            // The independent encoder computes the LRC afresh: finding its output in the input
            // proves this exact frame, with a right LRC, was on the wire.
            const unproven = events.filter(
              (e) =>
                e.type === 'frame' &&
                (!contains(wire, referenceSerialFrame(e.payload)) || e.payload.length > payloadBytesMax),
            );
            expect(unproven).toEqual([]);
          },
        ),
        { numRuns: propertyRuns.serialRandomStreams },
      );
    },
  );

  it('streams mixing valid frames with STX-free garbage deliver exactly the valid frames, in order', () => {
    const segmentArb = fc.oneof(
      payloadArb.map((p) => ({ payload: p, bytes: encodeSerialFrame(p) })),
      cleanGarbageArb.map((g) => ({ payload: undefined, bytes: g })),
    );
    fc.assert(
      fc.property(fc.array(segmentArb, { maxLength: 8 }), cutsArb, (segments, cuts) => {
        const wire = concat(segments.map((s) => s.bytes));
        const events = decodeChunks(new SerialFrameDecoder(), splitAt(wire, cuts));
        const expected = segments.flatMap((s) => (s.payload === undefined ? [] : [hex(s.payload)]));
        expect(frames(events)).toEqual(expected);
      }),
      { numRuns: propertyRuns.serialFramesWithCleanGarbage },
    );
  });

  it(
    'streams mixing valid frames with any junk deliver every' + ' valid frame when the junk is followed by a quiet gap',
    () => {
      const segmentArb = fc.oneof(
        payloadArb.map((p) => ({ payload: p, bytes: encodeSerialFrame(p) })),
        junkArb.map((j) => ({ payload: undefined, bytes: j })),
      );
      fc.assert(
        fc.property(fc.array(fc.tuple(segmentArb, cutsArb), { maxLength: 8 }), (segments) => {
          const decoder = new SerialFrameDecoder({ interByteTimeoutMs: 100 });
          const events: SerialDecodeEvent[] = [];
          let nowMs = 0;
          for (const [segment, cuts] of segments) {
            for (const chunk of splitAt(segment.bytes, cuts)) events.push(...decoder.push(chunk, nowMs));
            nowMs += segment.payload === undefined ? 100 : 1;
          }
          events.push(...decoder.finish());
          const expected = segments.flatMap(([s]) => (s.payload === undefined ? [] : [hex(s.payload)]));
          expect(isSubsequence(expected, frames(events))).toBe(true);
        }),
        { numRuns: propertyRuns.serialFramesWithJunkAndGaps },
      );
    },
  );

  it('yields the same events, errors included, however the same bytes are chunked', () => {
    const smallPayloadArb = fc.uint8Array({ maxLength: 60 });
    const segmentArb = fc.oneof(
      garbageArb,
      smallPayloadArb.map(referenceSerialFrame),
      fc.tuple(smallPayloadArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([payload, at, mask]) => {
        const frame = referenceSerialFrame(payload).slice();
        frame[at % frame.length]! ^= mask;
        return frame;
      }),
    );
    const describeEvent = (e: SerialDecodeEvent): string =>
      e.type === 'frame'
        ? `f:${hex(e.payload)}`
        : e.type === 'control'
          ? e.control
          : `${e.error.code}:${JSON.stringify(e.error.details)}`;
    fc.assert(
      fc.property(fc.array(segmentArb, { maxLength: 6 }), cutsArb, (segments, cuts) => {
        const wire = concat(segments);
        const whole = decodeChunks(new SerialFrameDecoder({ payloadBytesMax: 128 }), [wire]).map(describeEvent);
        const split = decodeChunks(new SerialFrameDecoder({ payloadBytesMax: 128 }), splitAt(wire, cuts)).map(
          describeEvent,
        );
        const bytewise = decodeChunks(
          new SerialFrameDecoder({ payloadBytesMax: 128 }),
          [...wire].map((b) => Uint8Array.of(b)),
        ).map(describeEvent);
        expect(split).toEqual(whole);
        expect(bytewise).toEqual(whole);
      }),
      { numRuns: propertyRuns.serialChunkingIndependence },
    );
  });

  it('never buffers more than frameBytesMax, whatever lengths the bytes declare', () => {
    const streamArb = fc.array(
      fc.oneof(garbageArb, fc.constantFrom(Uint8Array.of(0x02, 0x99, 0x99), Uint8Array.of(0x02, 0x00, 0x16))),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(streamArb, cutsArb, (segments, cuts) => {
        const decoder = new SerialFrameDecoder({ payloadBytesMax: 16 });
        decodeChunks(decoder, splitAt(concat(segments), cuts));
        expect(decoder.inFrame).toBe(false);
      }),
      { numRuns: propertyRuns.serialBoundedBuffer },
    );
  });
});
