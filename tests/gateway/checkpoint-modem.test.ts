/**
 * The gateway's modem intake over real pseudo-terminals: `edc-sim modem` (child process) joins
 * an agent-side modem and the gateway's; the agent's sender (agent/sms/modem.ts) sends signed
 * checkpoints; the intake reads (+CMTI, AT+CMGR), verifies, stores (real LevelDB) and deletes
 * (AT+CMGD). A message waiting before the intake starts is swept; garbage is deleted.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sendThroughModem } from '../../agent/sms/modem.ts';
import { ModemIntake } from '../../gateway/checkpoints/modem-intake.ts';
import { ModemSupervisor } from '../../gateway/checkpoints/modem-supervisor.ts';
import { ERR_STORE_FAILED } from '../../gateway/errors.ts';
import type { AcceptedCheckpoint } from '../../gateway/checkpoints/accept.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { encodeCheckpoint } from '../../protocol/sms/index.ts';
import { openAtPort, startModemProcess, waitFor } from '../support/modem.ts';
import { newAgent, tempStore } from './helpers.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store with one enrolled agent; edc-sim modem joins its modem (agent-modem) and the gateway's (gw-modem). */
async function setUp(agentId: string) {
  const temp = await tempStore();
  cleanups.push(() => temp.cleanup());
  const dir = temp.dir;
  const agent = newAgent(agentId);
  await temp.store.addAgent(
    { agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: [] },
    { move: false, now: 1, lookupKey: toBase64(new Uint8Array(32).fill(1)) },
  );
  const sim = await startModemProcess(
    ['--modem', `+6281100000001=${join(dir, 'agent-modem')}`, '--modem', `+6281100000002=${join(dir, 'gw-modem')}`],
    2,
  );
  cleanups.push(() => (sim.child.exitCode === null ? sim.stop() : Promise.resolve()));
  sim.child.stdout?.resume();
  return { temp, dir, agent };
}

describe('gateway modem intake', () => {
  it('receives, verifies, stores and deletes checkpoints; sweeps waiting ones; deletes garbage', async () => {
    const { temp, dir, agent } = await setUp('AGT-SMS');
    const target = { path: join(dir, 'agent-modem'), baudRate: 115200, commandTimeoutMs: 3_000 };
    const checkpoint = (seq: number) =>
      encodeCheckpoint(
        { agentId: 'AGT-SMS', seq, at: 1_000 + seq, withdrawn: seq * 1000, reversed: 0, headHash: 'ab'.repeat(32) },
        agent.seed,
      );
    // One checkpoint and one garbage SMS wait on the gateway's SIM before the intake starts.
    expect(await sendThroughModem(target, '+6281100000002', checkpoint(1))).toMatchObject({ ok: true });
    expect(await sendThroughModem(target, '+6281100000002', new Uint8Array([1, 2, 3]))).toMatchObject({ ok: true });
    await new Promise((done) => setTimeout(done, 2_500)); // the default delivery delay is 200-2000 ms
    const seen: AcceptedCheckpoint[] = [];
    const intake = new ModemIntake({
      path: join(dir, 'gw-modem'),
      baudRate: 115200,
      store: temp.store,
      logger: pino({ level: 'silent' }),
      onCheckpoint: (accepted) => seen.push(accepted),
    });
    await intake.start();
    cleanups.push(() => intake.stop());
    await waitFor(() => (seen.length >= 1 ? true : undefined));
    expect(await sendThroughModem(target, '+6281100000002', checkpoint(2))).toMatchObject({ ok: true });
    await waitFor(() => (seen.length >= 2 ? true : undefined));
    expect(seen.map((s) => [s.record.seq, s.put, s.chain, s.record.sender])).toEqual([
      [1, 'stored', 'ahead', '+6281100000001'],
      [2, 'stored', 'ahead', '+6281100000001'],
    ]);
    expect((await temp.store.lastCheckpoint('AGT-SMS'))?.seq).toBe(2);
    await intake.stop();
    // Everything handled was deleted from the SIM, the garbage included.
    const probe = await openAtPort(join(dir, 'gw-modem'));
    cleanups.push(() => probe.close());
    await probe.client.command('ATE0');
    for (let index = 1; index <= 5; index += 1) {
      expect(await probe.client.command(`AT+CMGR=${index}`)).toMatchObject({ ok: false, cms: 321 });
    }
  });

  it('a store that cannot serve now (503) leaves the SMS on the SIM; the supervisor reads it again', async () => {
    const { temp, dir, agent } = await setUp('AGT-SMS2');
    // The store answers as a LevelDB store latched after a failed write does, until `down` is cleared.
    let down = true;
    let refused = 0;
    const real = temp.store;
    const store: ConstructorParameters<typeof ModemSupervisor>[0]['store'] = {
      getAgent: (agentId) => real.getAgent(agentId),
      entries: (agentId, from, limit) => real.entries(agentId, from, limit),
      recordFork: (agentId, fork) => real.recordFork(agentId, fork),
      putCheckpoint: (record) => {
        if (!down) return real.putCheckpoint(record);
        refused += 1;
        return Promise.reject(new ERR_STORE_FAILED('Cannot use the gateway store: a write to it failed'));
      },
    };
    const seen: AcceptedCheckpoint[] = [];
    const supervisor = new ModemSupervisor({
      path: join(dir, 'gw-modem'),
      baudRate: 115200,
      store,
      logger: pino({ level: 'silent' }),
      onCheckpoint: (accepted) => seen.push(accepted),
    });
    supervisor.start();
    cleanups.push(() => supervisor.stop());
    const target = { path: join(dir, 'agent-modem'), baudRate: 115200, commandTimeoutMs: 3_000 };
    const body = { agentId: 'AGT-SMS2', seq: 1, at: 1_001, withdrawn: 1000, reversed: 0, headHash: 'ab'.repeat(32) };
    expect(await sendThroughModem(target, '+6281100000002', encodeCheckpoint(body, agent.seed))).toMatchObject({
      ok: true,
    });
    await waitFor(() => (refused >= 2 ? true : undefined), 20_000); // read, refused, read again by a new intake
    expect(seen).toEqual([]);
    down = false;
    await waitFor(() => (seen.length >= 1 ? true : undefined), 20_000);
    expect(seen.map((s) => [s.record.seq, s.put])).toEqual([[1, 'stored']]);
    expect((await temp.store.lastCheckpoint('AGT-SMS2'))?.seq).toBe(1);
  });
});
