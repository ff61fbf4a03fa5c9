/**
 * Clock jumps on the gateway and the replay guard: a wall clock that jumps forward must not let the
 * guard forget nonces that are still inside the window of the true time, or a request captured
 * before the jump is a replay that passes once the clock comes back (http/replay-clock.ts).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { ReplayClock } from '../../gateway/http/replay-clock.ts';
import { enroll, newAgent, signedHeaders, tempStore, testConfig, type TempStore } from './helpers.ts';

const hour = 3_600_000;
const skew = 300_000; // requestClockSkewMaxMs default

describe('ReplayClock', () => {
  it('follows the wall clock down at once, up only after it stayed ahead for adoptAfterMs', () => {
    let mono = 0;
    const clock = new ReplayClock(2 * skew, () => mono);
    expect(clock.now(1_000_000)).toBe(1_000_000);
    mono = 1_000;
    expect(clock.now(1_001_000)).toBe(1_001_000); // in step
    mono = 2_000;
    expect(clock.now(1_001_000 + hour)).toBe(1_002_000); // jumped forward: held to elapsed time
    mono = 3_000;
    expect(clock.now(1_000_500)).toBe(1_000_500); // and back (even behind): followed at once
    mono = 4_000;
    expect(clock.now(1_001_500 + hour)).toBe(1_001_500); // ahead again
    mono = 4_000 + 2 * skew;
    expect(clock.now(1_001_500 + hour + 2 * skew)).toBe(1_001_500 + hour + 2 * skew); // stayed ahead: adopted
  });
});

describe('a gateway whose clock jumps forward and back', () => {
  let t: TempStore;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await t.cleanup();
  });

  it('still refuses the replay of a request captured before the jump', async () => {
    t = await tempStore();
    const agent = newAgent('AGT-CLK');
    await enroll(t.store, agent, ['KPM-CLK-1']);
    const start = 1_800_000_000_000;
    let wall = start;
    let mono = 0;
    app = (
      await buildGateway({
        store: t.store,
        keys: t.keys,
        config: testConfig(),
        now: () => wall,
        monotonicNow: () => mono,
      })
    ).app;
    const path = `/v1/agents/${agent.agentId}/head`;
    const send = (headers: Record<string, string>) => app!.inject({ method: 'GET', url: path, headers });
    const captured = signedHeaders(agent, 'GET', path, '', { now: start });
    expect((await send(captured)).statusCode).toBe(200);
    // An hour ahead for a second: a request at that time sweeps the replay guard.
    wall = start + hour;
    mono = 1_000;
    expect((await send(signedHeaders(agent, 'GET', path, '', { now: wall }))).statusCode).toBe(200);
    // Back to the true time: the captured request is inside the timestamp window again.
    wall = start + 2_000;
    mono = 2_000;
    const replay = await send(captured);
    expect([replay.statusCode, replay.json<{ code: string }>().code]).toEqual([401, 'EDC_ERR_AUTH_REPLAY']);
  });
});
