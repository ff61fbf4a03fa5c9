/**
 * Clock faults. Issue 10: withdrawals stamped 100 hours before their entitlement set was issued
 * were approved (a clock set back defeats the offline age limit), and a clock 10 minutes fast
 * halted forwarding for good. Here the real core and the real forwarder run against a gateway
 * (msw) that checks request timestamps against its own clock, with three clocks under the
 * test's control: the agent's wall clock, its monotonic clock (real time as the process sees
 * it) and the true time (the gateway's). Across the skew window (5 min) and the offline age
 * (the set's expiresAt) the timeline checks: no approval past the set's real expiry; a clock set
 * back past the tolerance refuses withdrawals (91) until fixed or synced; a skew refused by the
 * gateway is retried, never a halt; every refusal ends with its cause; nothing heard is lost.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCore } from '../../../agent/core/index.ts';
import { clockBehindText } from '../../../agent/core/responses.ts';
import { createForwarder, forwarderDefaults, type ForwardLoop } from '../../../agent/forward/index.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { agentId, agentKeys, cards, code, setBody, startMs, tempLedger, withdrawal } from '../core/fixtures.ts';
import type { TempLedger } from '../core/fixtures.ts';
import { FakeGateway, gatewayUrl } from '../io/support/fake-gateway.ts';
import { audit, keyOf, type Heard } from './support.ts';

const minute = 60_000;
const hour = 60 * minute;
const offlineAgeMs = 24 * hour;
const server = setupServer();
const clocks = { wall: startMs, mono: 0, truth: startMs };
const heard: Heard = new Map();
let ledger: TempLedger;
let gateway: FakeGateway;
let core: AgentCore;
let forwarder: ForwardLoop;

/** Real time passes: the gateway's clock and the agent's monotonic clock; the wall clock follows by default. */
function pass(ms: number, wallFollows = true): void {
  clocks.truth += ms;
  clocks.mono += ms;
  if (wallFollows) clocks.wall += ms;
}

async function open(): Promise<void> {
  core = await ledger.open({
    gatewayPublicKey: gateway.keys.publicKey,
    now: () => clocks.wall,
    monotonicNow: () => clocks.mono,
  });
  forwarder = createForwarder({
    core,
    agentId,
    seed: agentKeys.seed,
    logger: silentLogger(),
    now: () => clocks.wall,
    settings: { ...forwarderDefaults, gatewayUrl, backoff: { baseMs: 10, capMs: 20 } },
  });
}

async function withdraw(): Promise<string> {
  const request = withdrawal(cards[0]!.pan, 10_000, { 41: 'CLOCK001' });
  const response = await core.handle(request);
  heard.set(
    keyOf({ terminalId: 'CLOCK001', stan: request.fields[11]!, localDate: request.fields[13]! }),
    code(response)!,
  );
  if (code(response) === '91' && response.fields[62] === clockBehindText) return '91 (clock)';
  return code(response)!;
}

beforeAll(async () => {
  ledger = await tempLedger();
  gateway = new FakeGateway(agentId);
  gateway.agentPublicKey = agentKeys.publicKey;
  gateway.now = () => clocks.truth;
  gateway.skewMaxMs = 5 * minute;
  const { entitlements, lookupKey, sealKey } = setBody();
  gateway.setBody = (body) => ({
    ...body,
    lookupKey,
    sealKey,
    expiresAt: body.issuedAt + offlineAgeMs,
    limits: { withdrawalAmountMax: 1_000_000, cashFloat: 1_000_000_000, queueEntriesMax: 100_000 },
    entitlements: entitlements.map((e) => ({ ...e, remaining: 1_000_000_000 })),
  });
  server.listen({ onUnhandledRequest: 'error' });
  server.use(...gateway.handlers());
  await open();
});
afterAll(async () => {
  await forwarder.stop();
  await core.close();
  server.close();
  await ledger.cleanup();
});

describe('clock faults across the skew window and the offline age', () => {
  it('never approves past the real offline age, and no clock refusal outlives its cause', async () => {
    expect((await forwarder.syncNow()).ok).toBe(true);
    const expiresAt = clocks.truth + offlineAgeMs;
    expect([await withdraw(), await withdraw()]).toEqual(['00', '00']);

    // 1. Set back two hours: refused (91) until fixed; the gateway refuses the skew, no halt.
    pass(minute);
    clocks.wall = clocks.truth - 2 * hour;
    const back = [await withdraw(), await withdraw()];
    expect(back).toEqual(['91 (clock)', '91 (clock)']);
    expect((await core.status()).authorization.state).toBe('clock-behind');
    const skewed = await forwarder.syncNow();
    expect(skewed.ok ? null : [skewed.error.code, skewed.halted]).toEqual(['EDC_ERR_FORWARD_CLOCK_SKEW', false]);
    clocks.wall = clocks.truth;
    expect(await withdraw()).toBe('00');
    expect((await forwarder.syncNow()).ok).toBe(true);

    // 2. Small steps back (4 min, inside the tolerance) while real time runs out the offline age
    // (2 h steps, 10 min steps for the last 3 h):
    // approvals are stamped at the trusted time, and none is made after the real expiry.
    const approvedAt: number[] = [];
    for (let step = 0; clocks.truth < expiresAt + hour; step++) {
      pass(clocks.truth < expiresAt - 3 * hour ? 2 * hour : 10 * minute);
      clocks.wall = clocks.truth - 4 * minute;
      const answer = await withdraw();
      if (answer === '00') approvedAt.push(clocks.truth);
      expect(answer, `step ${step}, ${(expiresAt - clocks.truth) / minute} min before expiry`).toBe(
        clocks.truth < expiresAt ? '00' : '91',
      );
    }
    expect(approvedAt.every((at) => at < expiresAt)).toBe(true);
    const stamps = (await core.exportBundle(1)).entries.map((e) => e.at);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(Math.max(...stamps)).toBeLessThan(expiresAt);

    // 3. Stopped, clock set back three hours, restarted: the stored trusted time catches it.
    await forwarder.stop();
    await core.close();
    clocks.mono = 0;
    clocks.wall = clocks.truth - 3 * hour;
    await open();
    expect(await withdraw()).toBe('91 (clock)');
    clocks.wall = clocks.truth;
    expect(await withdraw()).toBe('91'); // the set has expired: sync first
    expect((await forwarder.syncNow()).ok).toBe(true);
    expect(await withdraw()).toBe('00');

    // 4. Forward 30 hours: past the set's expiry, so nothing is approved; the gateway refuses the
    // skew (retried, no halt). Corrected: refused as clock-behind until a sync shows the wall
    // clock agrees with the gateway, then approvals resume.
    clocks.wall = clocks.truth + 30 * hour;
    expect(await withdraw()).toBe('91');
    const ahead = await forwarder.syncNow();
    expect(ahead.ok ? null : [ahead.error.code, ahead.halted]).toEqual(['EDC_ERR_FORWARD_CLOCK_SKEW', false]);
    clocks.wall = clocks.truth;
    expect(await withdraw()).toBe('91 (clock)');
    expect((await forwarder.syncNow()).ok).toBe(true);
    expect((await core.status()).authorization.state).toBe('ok');
    expect(await withdraw()).toBe('00');

    const found = audit((await core.exportBundle(1)).entries, heard);
    expect(found).toMatchObject({ lost: 0, duplicated: 0, unheard: 0 });
    expect((await core.verifyLedger()).problems).toEqual([]);
    expect((await core.status()).haltReason).toBeNull();
    const line = (name: string, during: string): string =>
      `fault ${name}: runs 1, approvals ${found.approvals} (whole timeline), lost 0, duplicated 0; ` +
      `terminals heard while it lasted: ${during}`;
    const lastBefore = Math.round((expiresAt - Math.max(...approvedAt)) / minute);
    console.log(line('clock set back 2 h (running) and 3 h (across a restart)', '91 "Jam agen mundur" until fixed'));
    console.log(
      line(
        'clock set back 4 min per step while the offline age ran out',
        `00 until the real expiry, then 91; last approval ${lastBefore} min before it`,
      ),
    );
    console.log(
      line('clock forward 30 h (past the offline age)', '91 (expired), then 91 "Jam agen mundur" until a sync'),
    );
    console.log(
      line(
        'skew halt (401 EDC_ERR_AUTH_TIMESTAMP)',
        'forwarding retried with backoff, never halted; healed on the next pass',
      ),
    );
  }, 30_000);
});
