/**
 * Checkpoints over SMS from a real agent: the real core on LevelDB, `edc-sim modem` as a child
 * process with socat pseudo-terminals, the gateway side read over AT like a gateway does. A dead
 * modem (a pty nobody answers), a missing device and a modem that answers +CMS ERROR never stop
 * authorization, and attempts stay within attemptsMax.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../../agent/cli/runtime.ts';
import { parseConfig } from '../../../agent/config.ts';
import type { AgentCore } from '../../../agent/core/index.ts';
import { Checkpointer, type CheckpointSettings } from '../../../agent/sms/checkpointer.ts';
import { sms } from '../../../protocol/index.ts';
import { openPtyPair, type PtyPair } from '../../../simulators/rig/socat.ts';
import { withdrawal } from '../core/fixtures.ts';
import { openAtPort, startModemProcess, waitFor, type AtPort, type ModemProcess } from '../../support/modem.ts';
import { makeFixture, openFixtureCore, type Fixture } from './support/fixture.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const agentNumber = '+6281100000001';
const gatewayNumber = '+6281100000002';

async function fixtureWithSet(): Promise<Fixture> {
  const fixture = await makeFixture({ cards: 2 });
  cleanups.push(() => fixture.cleanup());
  const core = await openFixtureCore(fixture);
  await core.installEntitlementSet(fixture.set);
  await core.close();
  return fixture;
}

async function modems(fixture: Fixture, extra: string[] = []): Promise<{ sim: ModemProcess; gateway: AtPort }> {
  const sim = await startModemProcess(
    [
      '--modem',
      `${agentNumber}=${join(fixture.dir, 'agent-modem')}`,
      '--modem',
      `${gatewayNumber}=${join(fixture.dir, 'gw-modem')}`,
      '--delay',
      '10-40',
      ...extra,
    ],
    2,
  );
  cleanups.push(() => (sim.child.exitCode === null ? sim.stop() : Promise.resolve()));
  const gateway = await openAtPort(join(fixture.dir, 'gw-modem'));
  cleanups.push(() => gateway.close());
  for (const command of ['ATE0', 'AT+CMGF=0', 'AT+CNMI=2,1,0,0,0']) await gateway.client.command(command);
  return { sim, gateway };
}

async function approve(core: Pick<AgentCore, 'handle'>, fixture: Fixture, amount: number): Promise<void> {
  const answer = await core.handle(withdrawal(fixture.cards[0]!.pan, amount));
  expect(answer.fields[39]).toBe('00');
}

function settings(path: string, overrides: Partial<CheckpointSettings> = {}): CheckpointSettings {
  return {
    path,
    baudRate: 115200,
    commandTimeoutMs: 400,
    gatewayNumber,
    intervalMs: 1_000,
    attemptsMax: 3,
    retryDelayMs: 100,
    ...overrides,
  };
}

describe('agent checkpoints over SMS', () => {
  it('while uploads fail, the agent sends a signed checkpoint of its head; the gateway modem receives it', async () => {
    const fixture = await fixtureWithSet();
    const { gateway } = await modems(fixture);
    const config = parseConfig(
      {
        v: 1,
        agentId: fixture.agentId,
        gatewayUrl: 'http://127.0.0.1:9',
        gatewayPublicKey: fixture.gatewayKeys.publicKey,
        statusPort: 0,
        logLevel: 'silent',
        forward: { intervalMs: 1_000, backoffBaseMs: 10, backoffCapMs: 100 },
        sms: { modemPath: join(fixture.dir, 'agent-modem'), gatewayNumber, intervalMs: 1_000 },
      },
      'test',
    );
    const agent: RunningAgent = await startAgent({
      dir: fixture.dir,
      config,
      seed: fixture.agentKeys.seed,
      logger: pino({ level: 'silent' }),
    });
    cleanups.push(() => agent.stop());
    await approve(agent.core, fixture, 250_000);
    await approve(agent.core, fixture, 100_000);
    const index = await waitFor(() => gateway.indications[0], 15_000);
    const read = await gateway.client.command(`AT+CMGR=${index}`);
    const deliver = sms.decodeDeliver(read.lines[1]!);
    expect(deliver.from).toBe(agentNumber);
    const checkpoint = sms.verifyCheckpoint(deliver.data, fixture.agentKeys.publicKey);
    expect(checkpoint).toMatchObject({
      agentId: fixture.agentId,
      seq: 2,
      withdrawn: 350_000,
      reversed: 0,
      headHash: agent.core.head().hash,
    });
    expect(agent.checkpointer?.snapshot()).toMatchObject({ sent: 1, lastSent: { seq: 2 } });
  });

  it('a dead modem (nobody answers) costs at most attemptsMax attempts; authorization goes on meanwhile', async () => {
    const fixture = await fixtureWithSet();
    const pair: PtyPair = await openPtyPair(join(fixture.dir, 'dead-modem'), join(fixture.dir, 'dead-modem.other'));
    cleanups.push(() => pair.close());
    const core = await openFixtureCore(fixture, pino({ level: 'silent' }));
    cleanups.push(() => core.close());
    await approve(core, fixture, 100_000);
    const checkpointer = new Checkpointer({
      core,
      agentId: fixture.agentId,
      seed: fixture.agentKeys.seed,
      logger: pino({ level: 'silent' }),
      uploading: () => false,
      settings: settings(pair.agentPath),
    });
    let settled = false;
    const sending = checkpointer.sendNow().finally(() => (settled = true));
    for (let i = 0; i < 5; i += 1) await approve(core, fixture, 10_000);
    expect(settled).toBe(false); // five approvals decided while the modem had not answered once
    const outcome = await sending;
    expect(outcome).toMatchObject({ ok: false, retry: true, problem: 'AT: timeout' });
    expect(checkpointer.snapshot()).toMatchObject({ sent: 0, failedAttempts: 3 });
  });

  it('a missing device and +CMS ERROR 331 (no service) are retried, at most attemptsMax times', async () => {
    const fixture = await fixtureWithSet();
    const core = await openFixtureCore(fixture, pino({ level: 'silent' }));
    cleanups.push(() => core.close());
    await approve(core, fixture, 100_000);
    const base = {
      core,
      agentId: fixture.agentId,
      seed: fixture.agentKeys.seed,
      logger: pino({ level: 'silent' }),
      uploading: () => false,
    };
    const missing = new Checkpointer({ ...base, settings: settings(join(fixture.dir, 'no-such-modem')) });
    expect(await missing.sendNow()).toMatchObject({ ok: false, retry: true, problem: expect.stringMatching(/^open /) });
    expect(missing.snapshot().failedAttempts).toBe(3);

    await modems(fixture, ['--outage', '0-600000']);
    const down = new Checkpointer({ ...base, settings: settings(join(fixture.dir, 'agent-modem')) });
    const outcome = await down.sendNow();
    expect(outcome).toMatchObject({ ok: false, retry: true, cms: 331 });
    expect(down.snapshot()).toMatchObject({ sent: 0, failedAttempts: 3 });
    await approve(core, fixture, 10_000);
  });

  it('sends nothing while uploads work, and each head once', async () => {
    const fixture = await fixtureWithSet();
    const { gateway } = await modems(fixture);
    const core = await openFixtureCore(fixture, pino({ level: 'silent' }));
    cleanups.push(() => core.close());
    await approve(core, fixture, 100_000);
    let uploading = true;
    const checkpointer = new Checkpointer({
      core,
      agentId: fixture.agentId,
      seed: fixture.agentKeys.seed,
      logger: pino({ level: 'silent' }),
      uploading: () => uploading,
      settings: settings(join(fixture.dir, 'agent-modem'), { intervalMs: 1_000 }),
    });
    checkpointer.start();
    cleanups.push(() => checkpointer.stop());
    await new Promise((done) => setTimeout(done, 2_500));
    expect(checkpointer.snapshot().sent).toBe(0);
    uploading = false;
    await waitFor(() => (checkpointer.snapshot().sent === 1 ? true : undefined), 5_000);
    await new Promise((done) => setTimeout(done, 2_500));
    expect(checkpointer.snapshot().sent).toBe(1);
    expect(gateway.indications.length).toBe(1);
  });
});
