import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import { decode, encode, mtis } from '../../../protocol/iso8583/index.ts';
import type { IsoMessage } from '../../../protocol/iso8583/index.ts';
import { fromHex, hex } from './samples.ts';

interface ValidVector {
  name: string;
  hex: string;
  message: { tpdu: IsoMessage['tpdu']; mti: IsoMessage['mti']; fields: Record<string, unknown> };
}
interface InvalidVector {
  name: string;
  hex: string;
  error: { code: string; field?: number; part?: string };
}

const vectors = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../protocol/vectors/iso8583.json'), 'utf8'),
) as {
  valid: ValidVector[];
  invalid: InvalidVector[];
};

/** Binary fields travel through JSON as hex strings. */
function fromJson(message: ValidVector['message']): IsoMessage {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message.fields))
    fields[key] = key === '52' || key === '55' ? fromHex(value as string) : value;
  return { ...message, fields: fields };
}

describe('protocol/vectors/iso8583.json', () => {
  it('holds a request and a response vector for every MTI', () => {
    expect(new Set(vectors.valid.map((vector) => vector.message.mti))).toEqual(new Set(mtis));
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(10);
  });

  for (const vector of vectors.valid) {
    it(`valid "${vector.name}": hex decodes to the message and the message encodes to the hex`, () => {
      const message = fromJson(vector.message);
      expect(decode(fromHex(vector.hex))).toEqual(message);
      expect(hex(encode(message))).toBe(vector.hex);
    });
  }

  for (const vector of vectors.invalid) {
    it(`invalid "${vector.name}": decode fails with ${vector.error.code}`, () => {
      let thrown: unknown;
      try {
        decode(fromHex(vector.hex));
      } catch (error) {
        thrown = error;
      }
      expect(isEdcError(thrown, vector.error.code)).toBe(true);
      if (!isEdcError(thrown)) return;
      if (vector.error.field !== undefined) expect(thrown.details.field).toBe(vector.error.field);
      if (vector.error.part !== undefined) expect(thrown.details.part).toBe(vector.error.part);
    });
  }
});
