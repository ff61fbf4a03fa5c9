import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../../protocol/iso8583/index.ts';
import { buildResponse, encodedResponse } from '../../../agent/core/responses.ts';
import { answerPayload } from '../../../agent/link/answer.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { cards, withdrawal } from './fixtures.ts';

describe('responses are encoded once, where they are built', () => {
  it('keeps the bytes of each response it builds: the same bytes encode() makes, for a frozen message', () => {
    const request = withdrawal(cards[0]!.pan, 50_000);
    const response = buildResponse(request, '00', { fields: { 37: '000000000001', 38: 'ABC123' } });
    const bytes = encodedResponse(response);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes!).equals(Buffer.from(encode(response)))).toBe(true);
    expect(Object.isFrozen(response) && Object.isFrozen(response.fields)).toBe(true);
    expect(() => {
      (response.fields as Record<number, unknown>)[39] = '05';
    }).toThrow(TypeError);
    expect(decode(bytes!).fields[39]).toBe('00');
  });

  it('knows no bytes for a message it did not build, and the link encodes that one itself', async () => {
    const request = withdrawal(cards[0]!.pan, 50_000);
    const built = buildResponse(request, '05');
    const copy = { ...built, fields: { ...built.fields } };
    expect(encodedResponse(copy)).toBeUndefined();
    const sent = await answerPayload(encode(request), {
      handler: { handle: () => Promise.resolve(copy) },
      logger: silentLogger(),
      link: 'test',
    });
    expect(Buffer.from(sent!).equals(Buffer.from(encode(copy)))).toBe(true);
  });

  it('falls back to placeholders, still encoded, when the echoed fields would not encode', () => {
    const request = withdrawal(cards[0]!.pan, 50_000, { 41: 'BAD' });
    const response = buildResponse(request, '30');
    expect(response.fields[41]).toBe('00000000');
    expect(encodedResponse(response)).toBeInstanceOf(Uint8Array);
  });
});
