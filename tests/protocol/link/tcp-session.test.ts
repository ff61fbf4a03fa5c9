import { describe, expect, it } from 'vitest';
import { TcpLinkSession, encodeTcpFrame } from '../../../protocol/link/index.ts';
import { FakeClock, fromHex, hex } from './helpers.ts';

function harness(options: { write?: (bytes: Uint8Array) => void; onMessage?: (payload: Uint8Array) => void } = {}) {
  const clock = new FakeClock();
  const written: string[] = [];
  const messages: string[] = [];
  const errors: string[] = [];
  const session = new TcpLinkSession({
    write: options.write ?? ((bytes) => written.push(hex(bytes))),
    onMessage: options.onMessage ?? ((payload) => messages.push(hex(payload))),
    onError: (error) => errors.push(error.code),
    interByteTimeoutMs: 5000,
    clock,
  });
  return { clock, session, written, messages, errors };
}

describe('TcpLinkSession', () => {
  it('send() writes one length-prefixed frame, with no ACK to wait for', () => {
    const { session, written, clock } = harness();
    session.send(fromHex('313233'));
    expect(written).toEqual(['0003313233']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('delivers frames split across reads, and writes nothing back', () => {
    const { session, written, messages } = harness();
    const wire = encodeTcpFrame(fromHex('0102030405'));
    session.receive(wire.subarray(0, 3));
    session.receive(wire.subarray(3));
    expect(messages).toEqual(['0102030405']);
    expect(written).toEqual([]);
  });

  it('reports a zero length to onError as EDC_ERR_FRAME_LEN_ZERO', () => {
    const { session, errors } = harness();
    session.receive(fromHex('0000'));
    expect(errors).toEqual(['EDC_ERR_FRAME_LEN_ZERO']);
  });

  it('reports a frame the peer stopped sending halfway as EDC_ERR_FRAME_TIMEOUT from its own timer', () => {
    const { session, errors, clock } = harness();
    session.receive(fromHex('0005 31'));
    expect(clock.pendingTimers).toBe(1);
    clock.advance(5000);
    expect(errors).toEqual(['EDC_ERR_FRAME_TIMEOUT']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports a frame cut off by end() as EDC_ERR_FRAME_TRUNCATED', () => {
    const { session, errors } = harness();
    session.receive(fromHex('0005 31'));
    session.end();
    expect(errors).toEqual(['EDC_ERR_FRAME_TRUNCATED']);
  });

  it('reports a throwing onMessage as EDC_ERR_LINK_HANDLER_FAILED and goes on', () => {
    let calls = 0;
    const { session, errors } = harness({
      onMessage: () => {
        calls++;
        throw new Error('app bug');
      },
    });
    session.receive(fromHex('0001 41 0001 42'));
    expect(calls).toBe(2);
    expect(errors).toEqual(['EDC_ERR_LINK_HANDLER_FAILED', 'EDC_ERR_LINK_HANDLER_FAILED']);
  });

  it('throws coded errors from send(): empty, oversize, refused by the transport, closed', () => {
    const { session } = harness({
      write: () => {
        throw new Error('socket gone');
      },
    });
    expect(() => session.send(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'EDC_ERR_FRAME_LEN_ZERO' }));
    expect(() => session.send(new Uint8Array(2049))).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_FRAME_TOO_LARGE' }),
    );
    expect(() => session.send(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_LINK_WRITE_FAILED' }),
    );
    session.close();
    expect(() => session.send(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'EDC_ERR_LINK_CLOSED' }));
  });

  it('close() cancels the inter-byte timer and ignores later bytes', () => {
    const { session, messages, clock } = harness();
    session.receive(fromHex('0005 31'));
    session.close();
    expect(clock.pendingTimers).toBe(0);
    session.receive(fromHex('0001 41'));
    expect(messages).toEqual([]);
    expect(session.closed).toBe(true);
  });
});
