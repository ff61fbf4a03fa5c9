/**
 * One soak run (`runSoak`): the field is set up, the gateway and the agents start as real
 * processes, the terminals withdraw without pause, and the seeded fault schedule (schedule.ts)
 * is applied in order at its times. Every time a process goes down its store is read and the
 * continuous invariants are checked (check.ts). After the fault phase: the heal (every window
 * closed, every clock set right, every process running), the terminals stop, the agents drain
 * (each agent's queue empty), every process stops, and the final invariants are checked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../protocol/messages/index.ts';
import { createPrng, mixSeed, tag } from '../common/prng.ts';
import { terminalIdOf } from '../rig/fleet.ts';
import { ERR_SIM_SOAK_PROCESS } from '../errors.ts';
import {
  checkFigures,
  checkGatewayEqualsLedger,
  checkGatewayInLedger,
  checkLedger,
  type ChainPoint,
  type Violation,
} from './check.ts';
import { parseSoakOptions, type SoakOptions, type SoakOptionsInput } from './options.ts';
import { faultKinds, planFaults, type Fault, type FaultKind } from './schedule.ts';
import { setUpSoak, type SoakAgent, type SoakField } from './setup.ts';
import { readFigures, readGatewayChains, readLedger } from './stores.ts';
import { runTerminal, type Heard } from './terminals.ts';

export interface SoakHooks {
  /** Tests only: changes a ledger as read (e.g. drops an entry) before the final checks. */
  readonly ledgerAsRead?: (agentId: string, entries: LedgerEntry[]) => LedgerEntry[];
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

export interface SoakState {
  readonly options: SoakOptions;
  readonly field: SoakField;
  readonly heard: Heard[];
  readonly violations: Violation[];
  readonly injected: Record<FaultKind, number>;
  /** Storage faults armed that the agent detected and recovered from (its log says it reopened the ledger). */
  storageFaultsHit: number;
  continuousChecks: number;
  /** Approvals found lost and withdrawals found twice, each counted once however often it is seen. */
  readonly lost: Set<string>;
  readonly duplicated: Set<string>;
  readonly clockOffsets: number[];
  readonly ledgerSnapshots: Map<string, ChainPoint[]>;
  readonly gatewaySnapshots: Map<string, ChainPoint[]>;
  readonly windows: Set<NodeJS.Timeout>;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const points = (entries: readonly LedgerEntry[]): ChainPoint[] => entries.map((e) => ({ seq: e.seq, hash: e.hash }));

/** An agent is down: read its ledger, check heard ⊆ ledger, no duplicates, gateway ⊆ ledger. */
async function checkAgentDown(state: SoakState, agent: SoakAgent): Promise<void> {
  const { agentId } = agent.keys;
  const read = await readLedger(agent, state.field.gatewayPublicKey);
  for (const problem of read.problems)
    state.violations.push({ invariant: 'ledgerVerifies', detail: `${agentId}: ${problem}` });
  const result = checkLedger(
    agentId,
    state.heard.filter((h) => h.agent === agent.index),
    read.entries,
  );
  state.violations.push(...result.violations);
  for (const key of result.lostKeys) state.lost.add(key);
  for (const key of result.duplicatedKeys) state.duplicated.add(key);
  const ledger = points(read.entries);
  state.violations.push(...checkGatewayInLedger(agentId, state.gatewaySnapshots.get(agentId) ?? [], ledger, true));
  state.ledgerSnapshots.set(agentId, ledger);
  state.continuousChecks += 1;
}

/** The gateway is down: read its chains, check gateway ⊆ each ledger as last read. */
async function checkGatewayDown(state: SoakState): Promise<void> {
  const ids = state.field.agents.map((a) => a.keys.agentId);
  const chains = await readGatewayChains(state.field.gatewayDir, ids);
  for (const id of ids) {
    const chain = points(chains.get(id) ?? []);
    state.violations.push(...checkGatewayInLedger(id, chain, state.ledgerSnapshots.get(id) ?? [], false));
    state.gatewaySnapshots.set(id, chain);
  }
  state.continuousChecks += 1;
}

async function restartAgent(state: SoakState, agent: SoakAgent, signal: 'SIGKILL' | 'SIGTERM', pauseMs: number) {
  await agent.process.stop(signal);
  await checkAgentDown(state, agent);
  await sleep(pauseMs);
  await agent.process.start(state.clockOffsets[agent.index]!);
}

/** Restart with one batch write armed to fail or tear; once the agent has recovered, kill and restart it clean. */
async function storageFault(state: SoakState, agent: SoakAgent, fault: Fault): Promise<void> {
  const recoveredBefore = agent.process.logs.storageRecoveries;
  await agent.process.stop('SIGTERM');
  await checkAgentDown(state, agent);
  await agent.process.start(state.clockOffsets[agent.index]!, {
    seed: mixSeed(state.options.seed, fault.atMs, tag('storage')),
    scripted: [{ atWrite: fault.magnitude, fault: fault.kind === 'storageTorn' ? 'torn' : 'fail' }],
  });
  const deadline = performance.now() + fault.durationMs + 10_000;
  while (performance.now() < deadline && agent.process.logs.storageRecoveries === recoveredBefore) await sleep(100);
  if (agent.process.logs.storageRecoveries > recoveredBefore) state.storageFaultsHit += 1;
  await restartAgent(state, agent, 'SIGKILL', 100);
}

function window(state: SoakState, ms: number, end: () => void): void {
  const timer = setTimeout(() => {
    state.windows.delete(timer);
    end();
  }, ms);
  state.windows.add(timer);
}

const calm = { rates: { drop: 0, lostResponse: 0, duplicate: 0, truncate: 0, error5xx: 0, reorder: 0 } };

function setClock(state: SoakState, agent: SoakAgent, offsetMs: number): void {
  state.clockOffsets[agent.index] = offsetMs;
  agent.process.setClock(offsetMs);
}

async function apply(state: SoakState, fault: Fault): Promise<void> {
  const agent = state.field.agents[fault.agent]!;
  const { gateway } = state.field;
  state.injected[fault.kind] += 1;
  switch (fault.kind) {
    case 'agentSigkill':
    case 'agentSigterm':
      return restartAgent(state, agent, fault.kind === 'agentSigkill' ? 'SIGKILL' : 'SIGTERM', fault.durationMs);
    case 'gatewaySigkill':
    case 'gatewaySigterm':
      await gateway.stop(fault.kind === 'gatewaySigkill' ? 'SIGKILL' : 'SIGTERM');
      await checkGatewayDown(state);
      await sleep(fault.durationMs);
      return gateway.start();
    case 'storageFail':
    case 'storageTorn':
      return storageFault(state, agent, fault);
    case 'signalDrop':
      agent.proxy.setOnline(false);
      return window(state, fault.durationMs, () => agent.proxy.setOnline(null));
    case 'signalLatency':
      agent.proxy.setFaults({ latencyMs: { min: 100, max: 1_500 } });
      return window(state, fault.durationMs, () => agent.proxy.setFaults({ latencyMs: { min: 0, max: 0 } }));
    case 'signalDuplicate':
      agent.proxy.setFaults({ rates: { ...calm.rates, duplicate: 0.5 } });
      return window(state, fault.durationMs, () => agent.proxy.setFaults(calm));
    case 'signalReorder':
      agent.proxy.setFaults({ rates: { ...calm.rates, reorder: 0.5 } });
      return window(state, fault.durationMs, () => agent.proxy.setFaults(calm));
    case 'clockForward':
    case 'clockBack':
      setClock(state, agent, fault.magnitude);
      return window(state, fault.durationMs, () => setClock(state, agent, 0));
  }
}

/** Every window closed, every clock right, every process running. */
async function heal(state: SoakState): Promise<void> {
  for (const timer of state.windows) clearTimeout(timer);
  state.windows.clear();
  for (const agent of state.field.agents) {
    agent.proxy.setOnline(null);
    agent.proxy.setFaults({ ...calm, latencyMs: { min: 0, max: 0 } });
    setClock(state, agent, 0);
    if (!agent.process.running) await agent.process.start(0);
  }
  if (!state.field.gateway.running) await state.field.gateway.start();
}

/** Until every agent's queue is empty (each nudged to sync), or the drain timeout. */
async function drain(state: SoakState): Promise<void> {
  const deadline = performance.now() + state.options.drainTimeoutMs;
  for (;;) {
    const statuses = await Promise.all(state.field.agents.map((a) => a.process.status()));
    const waiting = state.field.agents.filter((_, i) => (statuses[i]?.queue.depth ?? 1) > 0);
    if (waiting.length === 0) return;
    if (performance.now() > deadline)
      throw new ERR_SIM_SOAK_PROCESS(
        `The agents did not drain within ${state.options.drainTimeoutMs} ms: ` +
          waiting.map((a, i) => `${a.keys.agentId} (${JSON.stringify(statuses[i]?.haltReason ?? null)})`).join(', '),
        { agents: waiting.map((a) => a.keys.agentId) },
      );
    await Promise.all(waiting.map((a) => a.process.nudge()));
    await sleep(500);
  }
}

export interface FinalFigures {
  readonly ledgerEntries: number;
  readonly gatewayEntries: number;
  readonly withdrawals: number;
  readonly withdrawnAmount: number;
  readonly categorizedAmount: number;
  readonly reconcileStatus: number;
}

async function finalCheck(state: SoakState, hooks: SoakHooks): Promise<FinalFigures> {
  const { field } = state;
  const ledgers = new Map<string, LedgerEntry[]>();
  for (const agent of field.agents) {
    const read = await readLedger(agent, field.gatewayPublicKey);
    for (const problem of read.problems)
      state.violations.push({ invariant: 'ledgerVerifies', detail: `${agent.keys.agentId}: ${problem}` });
    const entries = hooks.ledgerAsRead?.(agent.keys.agentId, read.entries) ?? read.entries;
    ledgers.set(agent.keys.agentId, entries);
    const result = checkLedger(
      agent.keys.agentId,
      state.heard.filter((h) => h.agent === agent.index),
      entries,
    );
    state.violations.push(...result.violations);
    for (const key of result.lostKeys) state.lost.add(key);
    for (const key of result.duplicatedKeys) state.duplicated.add(key);
  }
  const chains = await readGatewayChains(field.gatewayDir, [...ledgers.keys()]);
  for (const [agentId, entries] of ledgers)
    state.violations.push(...checkGatewayEqualsLedger(agentId, points(chains.get(agentId) ?? []), points(entries)));
  const figures = await readFigures(field.gatewayDir, state.options.tahap);
  state.violations.push(...checkFigures(figures, ledgers));
  const all = [...ledgers.values()].flat();
  const withdrawals = all.filter((e) => e.kind === 'withdrawal');
  return {
    ledgerEntries: all.length,
    gatewayEntries: [...chains.values()].reduce((sum, c) => sum + c.length, 0),
    withdrawals: withdrawals.length,
    withdrawnAmount: withdrawals.reduce((sum, e) => sum + e.amount, 0),
    categorizedAmount: figures.categorizedAmount,
    reconcileStatus: figures.reconcileStatus,
  };
}

function startTerminals(state: SoakState, stop: { now: boolean }): Promise<void>[] {
  const runs: Promise<void>[] = [];
  for (const agent of state.field.agents)
    for (let t = 0; t < state.options.terminals; t++)
      runs.push(
        runTerminal(
          {
            agent: agent.index,
            terminalId: terminalIdOf(agent.index, t),
            merchantId: `AGEN${String(agent.index + 1).padStart(11, '0')}`,
            port: agent.tcpPort,
            cards: agent.cards,
            prng: createPrng(mixSeed(state.options.seed, agent.index, t, tag('soak-terminal'))),
            thinkMs: state.options.thinkMs,
          },
          state.heard,
          stop,
        ),
      );
  return runs;
}

async function faultPhase(state: SoakState, hooks: SoakHooks): Promise<void> {
  const faults = planFaults(state.options);
  const start = performance.now();
  const phaseMs = state.options.minutes * 60_000;
  let next = 0;
  for (const fault of faults) {
    const wait = fault.atMs - (performance.now() - start);
    if (wait > 0) await sleep(wait);
    await apply(state, fault);
    if (++next % 10 === 0 || next === faults.length)
      hooks.progress?.(
        `[${((performance.now() - start) / 1000).toFixed(0)} s] ${next}/${faults.length} faults, ` +
          `${state.heard.filter((h) => h.code === '00').length} approvals heard, ${state.violations.length} violations`,
      );
  }
  const left = phaseMs - (performance.now() - start);
  if (left > 0) await sleep(left);
}

export interface SoakResult {
  readonly options: SoakOptions;
  readonly state: SoakState;
  readonly final: FinalFigures | undefined;
  readonly wallMs: number;
}

async function stopAll(field: SoakField): Promise<void> {
  for (const agent of field.agents) await agent.process.stop('SIGTERM');
  await field.gateway.stop('SIGTERM');
}

function newState(options: SoakOptions, field: SoakField): SoakState {
  return {
    options,
    field,
    heard: [],
    violations: [],
    injected: Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>,
    storageFaultsHit: 0,
    continuousChecks: 0,
    lost: new Set(),
    duplicated: new Set(),
    clockOffsets: field.agents.map(() => 0),
    ledgerSnapshots: new Map(),
    gatewaySnapshots: new Map(),
    windows: new Set(),
  };
}

export async function runSoak(input: SoakOptionsInput, hooks: SoakHooks = {}): Promise<SoakResult> {
  const options = parseSoakOptions(input);
  const began = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'edc-soak-'));
  let field: SoakField | undefined;
  try {
    hooks.progress?.(
      `setting up ${options.agents} agents x ${options.terminals} terminals, ${options.kpm} KPM in ${dir}`,
    );
    field = await setUpSoak(options, dir);
    const state = newState(options, field);
    await field.gateway.start();
    for (const agent of field.agents) await agent.process.start(0);
    const stop = { now: false };
    const terminals = startTerminals(state, stop);
    await faultPhase(state, hooks);
    hooks.progress?.('heal: every fault off, every clock right, every process running; terminals stop; drain');
    await heal(state);
    stop.now = true;
    await Promise.all(terminals);
    await drain(state);
    await stopAll(field);
    for (const agent of field.agents) {
      for (const exit of agent.process.unexpectedExits) state.violations.push({ invariant: 'process', detail: exit });
      for (const halt of agent.process.logs.halts)
        state.violations.push({ invariant: 'process', detail: `halt: ${halt}` });
      for (const damage of agent.process.logs.damaged)
        state.violations.push({ invariant: 'process', detail: `ledger damaged: ${damage}` });
    }
    for (const exit of field.gateway.unexpectedExits) state.violations.push({ invariant: 'process', detail: exit });
    const final = await finalCheck(state, hooks);
    return { options, state, final, wallMs: performance.now() - began };
  } finally {
    if (field !== undefined) {
      await stopAll(field).catch(() => undefined);
      for (const agent of field.agents) await agent.proxy.close();
    }
    await rm(dir, { recursive: true, force: true });
  }
}
