/**
 * The village fleet: per agent, its own signal proxy (so each village has its own blankspot
 * windows), the agent itself in-process through the agent's public startAgent(), and its
 * terminals over TCP or over socat serial pairs. The agents run without their background
 * forwarding loop: the rig runs every forwarding pass itself, at planned steps, and waits for it
 * (a loop on a timer would race the terminals and make the run depend on the machine's speed).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { AgentConfig } from '../../agent/config.ts';
import { startAgent, type RunningAgent } from '../../agent/cli/runtime.ts';
import { ERR_SIM_RIG_SETUP, ERR_SIM_RIG_STALLED } from '../errors.ts';
import { startSignalProxy, type SignalProxy } from '../signal/proxy.ts';
import type { RigOptions } from './options.ts';
import type { AgentKeys } from './setup.ts';
import { openPtyPair, type PtyPair } from './socat.ts';
import { RigTerminal, type LinkSpec } from './terminals.ts';

export interface RigAgent {
  readonly index: number;
  readonly keys: AgentKeys;
  readonly dir: string;
  readonly config: AgentConfig;
  readonly proxy: SignalProxy;
  readonly ptys: readonly PtyPair[];
  readonly terminals: RigTerminal[];
  running: RunningAgent | undefined;
}

/** Sync passes the rig tries before it calls an agent stalled (each pass is retried at once). */
export const drainPassesMax = 400;
/** Entries per upload: several batches per village, so batch boundaries are exercised. */
export const rigBatchEntriesMax = 100;

export function terminalIdOf(agent: number, terminal: number): string {
  return `EDC${String(agent + 1).padStart(3, '0')}${String(terminal + 1).padStart(2, '0')}`;
}

function merchantIdOf(agent: number): string {
  return `AGEN${String(agent + 1).padStart(11, '0')}`;
}

/**
 * Each gateway request may take this long. No rig request can hang (the signal proxy resets or
 * answers at once), so the only effect of a short limit would be a slow machine aborting a
 * request the gateway then acts on: a different run.
 */
export const rigRequestTimeoutMs = 120_000;

export function agentConfig(
  keys: AgentKeys,
  gatewayUrl: string,
  gatewayPublicKey: string,
  ledgerDir: string,
  serialPaths: readonly string[],
  baudRate: RigOptions['baudRate'] = 9600,
): AgentConfig {
  return AgentConfig.parse({
    v: 1,
    agentId: keys.agentId,
    gatewayUrl,
    gatewayPublicKey,
    ledgerDir,
    serial: serialPaths.map((path) => ({ path, baudRate })),
    tcp: serialPaths.length > 0 ? null : { host: '127.0.0.1', port: 0 },
    statusPort: 0,
    logLevel: 'silent',
    forward: {
      batchEntriesMax: rigBatchEntriesMax,
      requestTimeoutMs: rigRequestTimeoutMs,
      intervalMs: 1_000,
      backoffBaseMs: 20,
      backoffCapMs: 500,
    },
  });
}

export async function startRigAgent(agent: RigAgent): Promise<void> {
  agent.running = await startAgent({
    dir: agent.dir,
    config: agent.config,
    seed: agent.keys.seed,
    logger: pino({ level: 'silent' }),
    forward: false,
  });
}

export async function startFleet(
  options: RigOptions,
  agents: readonly AgentKeys[],
  gatewayUrl: string,
  gatewayPublicKey: string,
  dir: string,
  proxySeed: (i: number) => number,
): Promise<RigAgent[]> {
  const fleet: RigAgent[] = [];
  for (const keys of agents) {
    const index = fleet.length;
    const agentDir = join(dir, keys.agentId);
    await mkdir(agentDir, { recursive: true });
    const serial = index >= options.agents - options.serialAgents;
    const ptys: PtyPair[] = [];
    for (let t = 0; serial && t < options.terminals; t++)
      ptys.push(await openPtyPair(join(agentDir, `agent-tty-${t}`), join(agentDir, `terminal-tty-${t}`)));
    const proxy = await startSignalProxy({ target: gatewayUrl, seed: proxySeed(index), rates: options.signal });
    const config = agentConfig(
      keys,
      proxy.url,
      gatewayPublicKey,
      join(agentDir, 'ledger'),
      ptys.map((p) => p.agentPath),
      options.baudRate,
    );
    const agent: RigAgent = { index, keys, dir: agentDir, config, proxy, ptys, terminals: [], running: undefined };
    fleet.push(agent);
    await startRigAgent(agent);
  }
  return fleet;
}

export async function connectTerminals(agent: RigAgent, options: RigOptions): Promise<void> {
  const tcp = agent.running?.tcp;
  for (let t = 0; t < options.terminals; t++) {
    const link: LinkSpec =
      agent.ptys.length > 0
        ? { kind: 'serial', path: agent.ptys[t]!.terminalPath, baudRate: options.baudRate }
        : { kind: 'tcp', host: tcp!.host, port: tcp!.port };
    const terminal = new RigTerminal(terminalIdOf(agent.index, t), merchantIdOf(agent.index), link, {
      responseTimeoutMs: options.answerWaitMs,
      answerWaitMs: options.answerWaitMs,
    });
    await terminal.open();
    const signOn = await terminal.terminal.signOn();
    terminal.noteStan(signOn.request.fields[11]);
    terminal.assertAnswered();
    if (signOn.kind !== 'response')
      throw new ERR_SIM_RIG_SETUP(`Cannot sign on terminal ${terminal.terminalId}: no answer over ${link.kind}`, {
        terminalId: terminal.terminalId,
      });
    agent.terminals.push(terminal);
  }
}

/** Sync passes until the agent's whole ledger is acknowledged by the gateway. */
export async function drainAgent(agent: RigAgent): Promise<number> {
  const running = agent.running!;
  for (let pass = 1; pass <= drainPassesMax; pass++) {
    const outcome = await running.forwarder.syncNow();
    if (outcome.ok && !outcome.more && running.core.ackHead().seq === running.core.head().seq) return pass;
    if (!outcome.ok && outcome.halted) {
      throw new ERR_SIM_RIG_STALLED(
        `Agent ${agent.keys.agentId} halted while draining: ${outcome.error.code}: ${outcome.error.message}`,
        { agentId: agent.keys.agentId, code: outcome.error.code },
      );
    }
  }
  throw new ERR_SIM_RIG_STALLED(
    `Agent ${agent.keys.agentId} did not drain in ${drainPassesMax} passes:` +
      ` head ${running.core.head().seq}, acknowledged ${running.core.ackHead().seq}`,
    { agentId: agent.keys.agentId },
  );
}

export async function stopFleet(fleet: readonly RigAgent[]): Promise<void> {
  for (const agent of fleet) {
    for (const terminal of agent.terminals) await terminal.close().catch(() => undefined);
    await agent.running?.stop();
    agent.running = undefined;
    await agent.proxy.close();
    for (const pty of agent.ptys) await pty.close();
  }
}
