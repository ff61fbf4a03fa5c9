import { describe, expect, it } from 'vitest';
import {
  computeLrc,
  decodeLenBcd,
  encodeLenBcd,
  encodeSerialFrame,
  linkErrors,
  serialPayloadBytesCeiling,
} from '../../../protocol/link/index.ts';
import { isEdcError } from '../../../protocol/errors.ts';
import { fromHex, hex, referenceSerialFrame } from './helpers.ts';

describe('encodeSerialFrame()', () => {
  it('frames "123" as 02 0003 313233 03 30 (the worked example of the spec)', () => {
    expect(hex(encodeSerialFrame(new TextEncoder().encode('123')))).toBe('02000331323303' + '30');
  });

  it('writes the length as BCD: 150 bytes -> 01 50', () => {
    const frame = encodeSerialFrame(new Uint8Array(150).fill(0x41));
    expect(hex(frame.subarray(1, 3))).toBe('0150');
    expect(frame.length).toBe(155);
  });

  it('agrees with the independent reference encoder for payloads of every length 0..300', () => {
    for (let length = 0; length <= 300; length++) {
      const payload = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      expect(hex(encodeSerialFrame(payload))).toBe(hex(referenceSerialFrame(payload)));
    }
  });

  it('encodes an empty payload as a 5-byte frame 02 0000 03 03', () => {
    expect(hex(encodeSerialFrame(new Uint8Array(0)))).toBe('0200000303');
  });

  it('refuses a payload over payloadBytesMax with EDC_ERR_FRAME_TOO_LARGE, naming both sizes', () => {
    const error = catchError(() => encodeSerialFrame(new Uint8Array(11), { payloadBytesMax: 10 }));
    expect(isEdcError(error, 'EDC_ERR_FRAME_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toContain('11 bytes, payloadBytesMax is 10');
  });

  it('accepts a payload of exactly payloadBytesMax', () => {
    expect(encodeSerialFrame(new Uint8Array(10), { payloadBytesMax: 10 }).length).toBe(15);
  });

  it('refuses payloadBytesMax above 9999 (what 4 BCD digits can say) with EDC_ERR_LINK_OPTIONS', () => {
    const error = catchError(() =>
      encodeSerialFrame(new Uint8Array(1), { payloadBytesMax: serialPayloadBytesCeiling + 1 }),
    );
    expect(isEdcError(error, linkErrors.ERR_LINK_OPTIONS.code)).toBe(true);
  });
});

describe('BCD length and LRC helpers', () => {
  it('round-trips every length 0..9999 through BCD', () => {
    const out = new Uint8Array(2);
    const wrong: number[] = [];
    for (let length = 0; length <= 9999; length++) {
      encodeLenBcd(length, out, 0);
      if (decodeLenBcd(out[0]!, out[1]!) !== length) wrong.push(length);
    }
    expect(wrong).toEqual([]);
  });

  it('reads any byte pair with a nibble above 9 as not BCD (-1)', () => {
    const wrong: string[] = [];
    let invalid = 0;
    for (let high = 0; high < 256; high++) {
      for (let low = 0; low < 256; low++) {
        const valid = [high >> 4, high & 15, low >> 4, low & 15].every((d) => d <= 9);
        if (!valid) invalid++;
        if ((decodeLenBcd(high, low) === -1) === valid) wrong.push(`${high}/${low}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(invalid).toBe(65536 - 10000);
  });

  it('refuses to encode a length outside 0..9999 with EDC_ERR_LINK_INVARIANT', () => {
    expect(
      isEdcError(
        catchError(() => encodeLenBcd(10000, new Uint8Array(2), 0)),
        'EDC_ERR_LINK_INVARIANT',
      ),
    ).toBe(true);
  });

  it('computes the LRC as the XOR of the given range', () => {
    expect(computeLrc(fromHex('0003313233 03'))).toBe(0x30);
    expect(computeLrc(fromHex('ff 0003313233 03 aa'), 1, 7)).toBe(0x30);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
