import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SerialFrameDecoder,
  TcpFrameDecoder,
  encodeSerialFrame,
  encodeTcpFrame,
} from '../../../protocol/link/index.ts';
import { fromHex, hex, referenceSerialFrame, referenceTcpFrame } from './helpers.ts';

interface Vectors {
  valid: Array<{ name: string; payloadHex: string; serialFrameHex: string; tcpFrameHex: string | null }>;
  invalid: Array<{
    name: string;
    transport: 'serial' | 'tcp';
    options?: { payloadBytesMax?: number; interByteTimeoutMs?: number; garbageRunBytesMax?: number };
    chunks: Array<{ hex: string; atMs: number }>;
    finish: boolean;
    expect: string[];
  }>;
}

const vectors = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../protocol/vectors/frames.json'), 'utf8'),
) as Vectors;

describe('protocol/vectors/frames.json', () => {
  it('holds valid and invalid vectors for both transports', () => {
    expect(vectors.valid.length).toBeGreaterThanOrEqual(5);
    expect(new Set(vectors.invalid.map((v) => v.transport))).toEqual(new Set(['serial', 'tcp']));
  });

  for (const vector of vectors.valid) {
    it(`encodes and decodes the valid vector "${vector.name}"`, () => {
      const payload = fromHex(vector.payloadHex);
      expect(hex(encodeSerialFrame(payload))).toBe(vector.serialFrameHex);
      expect(hex(referenceSerialFrame(payload))).toBe(vector.serialFrameHex);
      const serialEvents = new SerialFrameDecoder().push(fromHex(vector.serialFrameHex), 0);
      expect(serialEvents).toEqual([{ type: 'frame', payload }]);
      if (vector.tcpFrameHex === null) {
        expect(() => encodeTcpFrame(payload)).toThrow(expect.objectContaining({ code: 'EDC_ERR_FRAME_LEN_ZERO' }));
        return;
      }
      expect(hex(encodeTcpFrame(payload))).toBe(vector.tcpFrameHex);
      expect(hex(referenceTcpFrame(payload))).toBe(vector.tcpFrameHex);
      expect(new TcpFrameDecoder().push(fromHex(vector.tcpFrameHex), 0)).toEqual([{ type: 'frame', payload }]);
    });
  }

  for (const vector of vectors.invalid) {
    it(`decodes the ${vector.transport} vector "${vector.name}" to ${vector.expect.join(', ')}`, () => {
      const decoder =
        vector.transport === 'serial' ? new SerialFrameDecoder(vector.options) : new TcpFrameDecoder(vector.options);
      const events = vector.chunks.flatMap((chunk) => decoder.push(fromHex(chunk.hex), chunk.atMs));
      if (vector.finish) events.push(...decoder.finish());
      const summary = events.map((e) => {
        if (e.type === 'frame') return `frame:${hex(e.payload)}`;
        if (e.type === 'control') return `control:${e.control}`;
        // A garbage report carries its run length (details.bytes): the vectors hold it too.
        return e.error.code === 'EDC_ERR_FRAME_GARBAGE'
          ? `error:${e.error.code}:${String(e.error.details.bytes)}`
          : `error:${e.error.code}`;
      });
      expect(summary).toEqual(vector.expect);
    });
  }
});
