import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../../agent/cli/runtime.ts';
import { generateSigningKeyPair } from '../../../protocol/crypto/index.ts';
import { runSimCli } from '../../../simulators/cli.ts';
import type { Io } from '../../../simulators/cli/io.ts';
import { runRig, serialBaudRates } from '../../../simulators/rig/index.ts';
import { agentConfig } from '../../../simulators/rig/fleet.ts';
import { openPtyPair, type PtyPair } from '../../../simulators/rig/socat.ts';

let dir: string;
let agent: RunningAgent;
const ptys: PtyPair[] = [];

/** One agent with a serial port per standard rate, each on its own socat pseudo-terminal pair. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-baud-'));
  for (const rate of serialBaudRates)
    ptys.push(await openPtyPair(join(dir, `agent-${rate}`), join(dir, `terminal-${rate}`)));
  const keys = generateSigningKeyPair();
  const base = agentConfig(
    { agentId: 'AGT-BAUD', seed: keys.seed, publicKey: keys.publicKey, bank: 'BRI', kpmIds: [] },
    'http://127.0.0.1:9',
    generateSigningKeyPair().publicKey,
    join(dir, 'ledger'),
    [],
  );
  const config = { ...base, serial: serialBaudRates.map((baudRate, i) => ({ path: ptys[i]!.agentPath, baudRate })) };
  agent = await startAgent({ dir, config, seed: keys.seed, logger: pino({ level: 'silent' }), forward: false });
});

afterAll(async () => {
  await agent?.stop();
  for (const pty of ptys) await pty.close();
  await rm(dir, { recursive: true, force: true });
});

async function sim(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), stopped: () => Promise.resolve() };
  return { status: await runSimCli(argv, io), out, err };
}

describe('--baud: every standard serial rate, end to end', () => {
  it.each(serialBaudRates.map((rate, i) => [rate, i]))(
    'edc-sim terminal --baud %i signs on and echoes with an agent whose port runs at that rate',
    async (rate, i) => {
      const script = join(dir, `echo-${rate}.json`);
      await writeFile(script, JSON.stringify({ v: 1, steps: [{ kind: 'echo' }] }));
      const result = await sim(
        'terminal',
        '--serial',
        ptys[i]!.terminalPath,
        '--baud',
        String(rate),
        '--script',
        script,
      );
      expect(result).toMatchObject({ status: 0, out: 'echo: 00\n' });
      expect(result.err).toMatch(/Terhubung ke agen \(00\)/);
    },
  );

  it.each([['9601'], ['300'], ['fast']])(
    'edc-sim terminal --baud %s is a usage error naming the rates',
    async (rate) => {
      const result = await sim('terminal', '--serial', ptys[0]!.terminalPath, '--baud', rate);
      expect(result.status).toBe(2);
      expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_USAGE: --baud: expected one of 1200, 2400, .*115200, found /);
    },
  );

  it('runRig() at 1200 baud pays and forwards over its serial agent like at 9600', async () => {
    const report = await runRig({
      seed: 2,
      kpm: 45,
      serialAgents: 1,
      baudRate: 1200,
      faults: { lostAck: 0, corrupt: 0.1, responseTimeout: 0.1, powerLoss: 0.1 },
      attacks: { doubleSpend: false, tamper: false, clone: false },
    });
    expect(report.result.options.baudRate).toBe(1200);
    expect(report.result.links.serialAgents).toBe(1);
    expect(report.result.entries[2]!.gateway).toBe(report.result.entries[2]!.ledger);
    expect(report.result.entries[2]!.withdrawals).toBeGreaterThan(5);
    expect(report.ok).toBe(true);
  }, 120_000);
});
