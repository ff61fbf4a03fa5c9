import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EdcError } from '../../../protocol/errors.ts';
import type { MessageInfo, SerialLinkSessionOptions } from '../../../protocol/link/index.ts';
import { ACK, NAK, SerialLinkSession, encodeSerialFrame } from '../../../protocol/link/index.ts';
import { FakeClock, concat, fromHex, hex, propertyRuns } from './helpers.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A session on a fake clock that records what it writes, delivers and reports. */
function harness(options: Partial<SerialLinkSessionOptions> = {}) {
  const clock = new FakeClock();
  const written: string[] = [];
  const messages: Array<{ payload: string; info: MessageInfo }> = [];
  const errors: string[] = [];
  const session = new SerialLinkSession({
    write: (bytes) => written.push(hex(bytes)),
    onMessage: (payload, info) => messages.push({ payload: hex(payload), info }),
    onError: (error) => errors.push(error.code),
    lineBytesPerSecond: Infinity,
    clock,
    ...options,
  });
  return { clock, session, written, messages, errors };
}

/** Tracks a promise's outcome so a test can look without awaiting. */
function track(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: EdcError } {
  const result: { state: 'pending' | 'resolved' | 'rejected'; error?: EdcError } = { state: 'pending' };
  promise.then(
    () => (result.state = 'resolved'),
    (error: EdcError) => {
      result.state = 'rejected';
      result.error = error;
    },
  );
  return result;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const frameHex = (s: string): string => hex(encodeSerialFrame(text(s)));

describe('SerialLinkSession: sending', () => {
  it('send() writes the frame and resolves when ACK arrives', async () => {
    const { session, written, clock } = harness();
    const sent = session.send(text('0800'));
    expect(written).toEqual([frameHex('0800')]);
    session.receive(Uint8Array.of(ACK));
    await expect(sent).resolves.toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  it('send() resends at once on NAK and resolves on the ACK of the second try', async () => {
    const { session, written } = harness();
    const sent = session.send(text('0800'));
    session.receive(Uint8Array.of(NAK));
    expect(written).toHaveLength(2);
    session.receive(Uint8Array.of(ACK));
    await expect(sent).resolves.toBeUndefined();
    expect(session.stats()).toMatchObject({ sends: 2, resends: 1, naksReceived: 1, acksReceived: 1 });
  });

  it('send() resends when no ACK comes within ackWaitMs', async () => {
    const { session, written, clock } = harness({ ackWaitMs: 2000 });
    const sent = session.send(text('0800'));
    clock.advance(1999);
    expect(written).toHaveLength(1);
    clock.advance(1);
    expect(written).toHaveLength(2);
    session.receive(Uint8Array.of(ACK));
    await expect(sent).resolves.toBeUndefined();
  });

  it('send() rejects with EDC_ERR_LINK_NO_ACK after triesMax = 3 silent sends, leaving no timer', async () => {
    const { session, written, clock } = harness();
    const outcome = track(session.send(text('0800')));
    clock.advance(2000 * 3);
    await flush();
    expect(written).toHaveLength(3);
    expect(outcome.state).toBe('rejected');
    expect(outcome.error?.code).toBe('EDC_ERR_LINK_NO_ACK');
    expect(outcome.error?.details).toEqual({ tries: 3, naks: 0, timeouts: 3 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('send() rejects with EDC_ERR_LINK_NAK_LIMIT when the third send is NAKed too', async () => {
    const { session, written } = harness();
    const sent = session.send(text('0800'));
    for (let i = 0; i < 3; i++) session.receive(Uint8Array.of(NAK));
    await expect(sent).rejects.toMatchObject({ code: 'EDC_ERR_LINK_NAK_LIMIT', details: { tries: 3, naks: 3 } });
    expect(written).toHaveLength(3);
  });

  it('send() names the last failure: NAK, then silence twice, rejects with EDC_ERR_LINK_NO_ACK', async () => {
    const { session, clock } = harness();
    const outcome = track(session.send(text('0800')));
    session.receive(Uint8Array.of(NAK));
    clock.advance(4000);
    await flush();
    expect(outcome.error?.code).toBe('EDC_ERR_LINK_NO_ACK');
    expect(outcome.error?.details).toEqual({ tries: 3, naks: 1, timeouts: 2 });
  });

  it('adds the frame time on the line (at lineBytesPerSecond) to the ACK wait', () => {
    const { session, written, clock } = harness({ lineBytesPerSecond: 960 });
    void session.send(new Uint8Array(155)).catch(() => undefined); // 160 bytes: 167 ms at 9600 8N1
    clock.advance(2166);
    expect(written).toHaveLength(1);
    clock.advance(1);
    expect(written).toHaveLength(2);
    session.close();
  });

  it('send() rejects with EDC_ERR_LINK_BUSY while a frame is in flight', async () => {
    const { session } = harness();
    const first = session.send(text('a'));
    await expect(session.send(text('b'))).rejects.toMatchObject({ code: 'EDC_ERR_LINK_BUSY' });
    session.receive(Uint8Array.of(ACK));
    await expect(first).resolves.toBeUndefined();
  });

  it('send() rejects an oversize payload with EDC_ERR_FRAME_TOO_LARGE, writing nothing', async () => {
    const { session, written } = harness({ payloadBytesMax: 8 });
    await expect(session.send(new Uint8Array(9))).rejects.toMatchObject({ code: 'EDC_ERR_FRAME_TOO_LARGE' });
    expect(written).toEqual([]);
  });

  it('close() rejects a waiting send with EDC_ERR_LINK_CLOSED and cancels every timer', async () => {
    const { session, clock } = harness();
    session.receive(fromHex('02 00')); // a partial incoming frame arms the inter-byte timer
    const sent = session.send(text('0800'));
    expect(clock.pendingTimers).toBe(2);
    session.close();
    await expect(sent).rejects.toMatchObject({ code: 'EDC_ERR_LINK_CLOSED' });
    expect(clock.pendingTimers).toBe(0);
    await expect(session.send(text('x'))).rejects.toMatchObject({ code: 'EDC_ERR_LINK_CLOSED' });
    expect(session.closed).toBe(true);
  });

  it('send() rejects with EDC_ERR_LINK_WRITE_FAILED when the transport throws, leaving no timer', async () => {
    const { session, clock } = harness({
      write: () => {
        throw new Error('port gone');
      },
    });
    await expect(session.send(text('0800'))).rejects.toMatchObject({ code: 'EDC_ERR_LINK_WRITE_FAILED' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('counts an ACK or NAK that arrives with nothing in flight as stray, and ignores it', () => {
    const { session, written } = harness();
    session.receive(fromHex('06 15'));
    expect(written).toEqual([]);
    expect(session.stats().strayControls).toBe(2);
  });
});

describe('SerialLinkSession: receiving', () => {
  it('ACKs a good frame, then delivers it to onMessage', () => {
    const order: string[] = [];
    const { session } = harness({
      write: (bytes) => order.push(`write:${hex(bytes)}`),
      onMessage: (payload) => order.push(`message:${hex(payload)}`),
    });
    session.receive(encodeSerialFrame(text('0200')));
    expect(order).toEqual(['write:06', `message:${hex(text('0200'))}`]);
  });

  it('NAKs a frame with a wrong LRC once, and delivers nothing', () => {
    const { session, written, messages, errors } = harness();
    const bad = encodeSerialFrame(text('0200'));
    bad[bad.length - 1]! ^= 0xff;
    session.receive(bad);
    expect(written).toEqual(['15']);
    expect(messages).toEqual([]);
    expect(errors).toEqual(['EDC_ERR_FRAME_LRC']);
  });

  it('sends one NAK for a broken frame even when its bytes yield several decoder errors', () => {
    const { session, written, errors } = harness();
    // STX, length 0004, then a payload holding a false STX with non-BCD length, and no ETX.
    session.receive(fromHex('02 0004 02 aa bb cc dd 99'));
    expect(errors.filter((code) => code !== 'EDC_ERR_FRAME_GARBAGE').length).toBeGreaterThan(1);
    expect(written).toEqual(['15']);
  });

  it('does not NAK garbage between frames, and reports it', () => {
    const { session, written, errors } = harness();
    session.receive(fromHex('41 42 43'));
    session.receive(encodeSerialFrame(text('x')));
    expect(written).toEqual(['06']);
    expect(errors).toEqual(['EDC_ERR_FRAME_GARBAGE']);
  });

  it('NAKs a frame that stops halfway, once interByteTimeoutMs has passed', () => {
    const { session, written, clock, errors } = harness({ interByteTimeoutMs: 1000 });
    session.receive(encodeSerialFrame(text('0200')).subarray(0, 5));
    clock.advance(999);
    expect(written).toEqual([]);
    clock.advance(1);
    expect(written).toEqual(['15']);
    expect(errors).toContain('EDC_ERR_FRAME_TIMEOUT');
    expect(clock.pendingTimers).toBe(0);
  });

  it('answers a bad frame followed by a good one in the same chunk with ACK only', () => {
    const { session, written } = harness();
    const bad = encodeSerialFrame(text('0200'));
    bad[4]! ^= 1;
    session.receive(concat([bad, encodeSerialFrame(text('0200'))]));
    expect(written).toEqual(['06']);
  });

  it('ACKs a resent frame again and delivers it flagged possibleDuplicate', () => {
    const { session, written, messages, clock } = harness();
    session.receive(encodeSerialFrame(text('0200 stan 000123')));
    clock.advance(2000);
    session.receive(encodeSerialFrame(text('0200 stan 000123')));
    expect(written).toEqual(['06', '06']);
    expect(messages.map((m) => m.info.possibleDuplicate)).toEqual([false, true]);
    expect(session.stats().duplicatesFlagged).toBe(1);
  });

  it('does not flag identical bytes that come after duplicateWindowMs, nor different bytes', () => {
    const { session, messages, clock } = harness({ duplicateWindowMs: 1000 });
    session.receive(encodeSerialFrame(text('a')));
    session.receive(encodeSerialFrame(text('b')));
    clock.advance(1001);
    session.receive(encodeSerialFrame(text('b')));
    expect(messages.map((m) => m.info.possibleDuplicate)).toEqual([false, false, false]);
  });

  it('passes EOT and ENQ to onControl without answering them', () => {
    const controls: string[] = [];
    const { session, written } = harness({ onControl: (control) => controls.push(control) });
    session.receive(fromHex('04 05'));
    expect(controls).toEqual(['EOT', 'ENQ']);
    expect(written).toEqual([]);
  });

  it('reports a throwing onMessage as EDC_ERR_LINK_HANDLER_FAILED and goes on', () => {
    const { session, written, errors } = harness({
      onMessage: () => {
        throw new Error('app bug');
      },
    });
    session.receive(concat([encodeSerialFrame(text('a')), encodeSerialFrame(text('b'))]));
    expect(written).toEqual(['06', '06']);
    expect(errors).toEqual(['EDC_ERR_LINK_HANDLER_FAILED', 'EDC_ERR_LINK_HANDLER_FAILED']);
  });

  it('reports an ACK the transport refused as EDC_ERR_LINK_WRITE_FAILED and still delivers', () => {
    const { session, messages, errors } = harness({
      write: () => {
        throw new Error('port gone');
      },
    });
    session.receive(encodeSerialFrame(text('a')));
    expect(messages).toHaveLength(1);
    expect(errors).toEqual(['EDC_ERR_LINK_WRITE_FAILED']);
  });

  it('ignores bytes after close()', () => {
    const { session, written, messages } = harness();
    session.close();
    session.receive(encodeSerialFrame(text('a')));
    expect(written).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('refuses triesMax 0 and a non-positive ackWaitMs with EDC_ERR_LINK_OPTIONS', () => {
    expect(() => harness({ triesMax: 0 })).toThrow(expect.objectContaining({ code: 'EDC_ERR_LINK_OPTIONS' }));
    expect(() => harness({ ackWaitMs: -1 })).toThrow(expect.objectContaining({ code: 'EDC_ERR_LINK_OPTIONS' }));
  });
});

describe('SerialLinkSession: two ends on one line', () => {
  it('carries a request and its response between agent and terminal over a loopback', async () => {
    const clock = new FakeClock();
    const received: string[] = [];
    const sides: { agent?: SerialLinkSession; terminal?: SerialLinkSession } = {};
    const common = { clock, lineBytesPerSecond: Infinity };
    sides.agent = new SerialLinkSession({
      ...common,
      write: (bytes) => sides.terminal!.receive(bytes),
      onMessage: (payload) => {
        received.push(`agent got ${new TextDecoder().decode(payload)}`);
        void sides.agent!.send(text('0210 approved'));
      },
    });
    sides.terminal = new SerialLinkSession({
      ...common,
      write: (bytes) => sides.agent!.receive(bytes),
      onMessage: (payload) => received.push(`terminal got ${new TextDecoder().decode(payload)}`),
    });
    await sides.terminal.send(text('0200 withdraw'));
    await flush();
    expect(received).toEqual(['agent got 0200 withdraw', 'terminal got 0210 approved']);
    expect(clock.pendingTimers).toBe(0);
  });

  it(
    'delivers every send exactly as the loss schedule allows,' + ' and settles with the right code (property)',
    async () => {
      type Fate = 'intact' | 'corrupt' | 'lost';
      const triesArb = fc.array(fc.tuple(fc.constantFrom<Fate>('intact', 'corrupt', 'lost'), fc.boolean()), {
        minLength: 3,
        maxLength: 3,
      });
      await fc.assert(
        fc.asyncProperty(triesArb, fc.uint8Array({ minLength: 1, maxLength: 150 }), async (schedule, payload) => {
          const clock = new FakeClock();
          let frameTry = 0;
          const deliveries: boolean[] = [];
          const sides: { a?: SerialLinkSession; b?: SerialLinkSession } = {};
          sides.a = new SerialLinkSession({
            clock,
            lineBytesPerSecond: Infinity,
            onMessage: () => undefined,
            write: (frame) => {
              const [fate] = schedule[frameTry++]!;
              if (fate === 'lost') return;
              const bytes = frame.slice();
              if (fate === 'corrupt') bytes[3]! ^= 0x5a;
              sides.b!.receive(bytes);
            },
          });
          sides.b = new SerialLinkSession({
            clock,
            lineBytesPerSecond: Infinity,
            onMessage: (_payload, info) => deliveries.push(info.possibleDuplicate),
            write: (answer) => {
              // B answers inside A's write, so the answer belongs to the try just made.
              const [, answerArrives] = schedule[frameTry - 1]!;
              if (answerArrives) sides.a!.receive(answer);
            },
          });
          const outcome = track(sides.a.send(payload));
          clock.advance(10_000);
          await flush();
          const expected = expectedOutcome(schedule);
          expect(outcome.state).toBe(expected.code === undefined ? 'resolved' : 'rejected');
          expect(outcome.error?.code).toBe(expected.code);
          expect(deliveries).toEqual(Array.from({ length: expected.deliveries }, (_, i) => i > 0));
          expect(clock.pendingTimers).toBe(0);
        }),
        { numRuns: propertyRuns.sessionDeliveryUnderLoss },
      );
    },
  );
});

/** The model: each try's frame arrives intact, corrupted or not at all; its answer arrives or not. */
function expectedOutcome(schedule: ReadonlyArray<readonly ['intact' | 'corrupt' | 'lost', boolean]>): {
  code?: string;
  deliveries: number;
} {
  let deliveries = 0;
  let lastWasNak = false;
  for (const [fate, answerArrives] of schedule) {
    if (fate === 'intact') deliveries++;
    if (fate === 'intact' && answerArrives) return { deliveries };
    lastWasNak = fate === 'corrupt' && answerArrives;
  }
  return { code: lastWasNak ? 'EDC_ERR_LINK_NAK_LIMIT' : 'EDC_ERR_LINK_NO_ACK', deliveries };
}
