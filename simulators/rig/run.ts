/**
 * runRig: the whole field day, seeded. Setup (bank files, gateway, enrolment), agents and their
 * villages' signal, the terminal queues with faults and outages, the double spends, the drain,
 * the tampered ledger, the cloned key, bad requests, reconciliation, then the invariant checks
 * and the report. Every phase is its own function; progress goes to an optional callback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignedEntitlementSet } from '../../protocol/messages/index.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { createPrng, type Prng } from '../common/prng.ts';
import { cloneAttack, tamperAttack, type AttackResult } from './attacks.ts';
import { checkAll, type AgentView } from './check.ts';
import { runQueue, runStep, type StepOutcome } from './drive.ts';
import { connectTerminals, drainAgent, startFleet, stopFleet, type RigAgent } from './fleet.ts';
import { startRigGateway, type RigGateway } from './gateway.ts';
import { parseRigOptions, type RigOptions, type RigOptionsInput } from './options.ts';
import { buildPlan, type Plan } from './plan.ts';
import { runProbes } from './probes.ts';
import { buildReport, type RigReport } from './report.ts';
import { setUpField, type Field } from './setup.ts';
import { signedRequest } from './signed-client.ts';

export interface RigHooks {
  /** Test only: wraps the gateway store (e.g. to hide an acknowledged entry and see the checker fail). */
  readonly wrapStore?: (store: GatewayStore) => GatewayStore;
}

export interface RigRun {
  readonly options: RigOptions;
  readonly prng: Prng;
  readonly dir: string;
  readonly field: Field;
  readonly gateway: RigGateway;
  readonly fleet: RigAgent[];
  readonly outcomes: StepOutcome[];
  readonly attacks: AttackResult[];
  readonly progress: (text: string) => void;
}

/** Roles: the first agent's key is cloned, the second's ledger is tampered with. */
export const cloneVictimIndex = 0;
export const tamperVictimIndex = 1;

async function initialSync(fleet: readonly RigAgent[]): Promise<void> {
  for (const agent of fleet) {
    agent.proxy.setOnline(true);
    await drainAgent(agent);
    agent.proxy.setOnline(null);
  }
}

/** Blankspot windows per village, from the seed; the tampered agent's village has no signal all day. */
function scheduleOutages(run: RigRun): { timers: NodeJS.Timeout[]; windows: number } {
  const timers: NodeJS.Timeout[] = [];
  let windows = 0;
  for (const agent of run.fleet) {
    if (agent.index === tamperVictimIndex && run.options.attacks.tamper) {
      agent.proxy.setOnline(false);
      continue;
    }
    for (let w = 0; w < run.options.outagesPerAgent; w++) {
      const from = run.prng.int(0, 1500);
      const length = run.prng.int(500, 2500);
      timers.push(
        setTimeout(() => agent.proxy.setOnline(false), from),
        setTimeout(() => agent.proxy.setOnline(null), from + length),
      );
      windows++;
    }
  }
  return { timers, windows };
}

async function runQueues(run: RigRun, plan: Plan): Promise<void> {
  const total = plan.queues.flat(2).length;
  let done = 0;
  const tick = (): void => {
    done++;
    if (done % 50 === 0 || done === total) run.progress(`transactions ${done}/${total}`);
  };
  const results = await Promise.all(
    run.fleet.flatMap((agent) =>
      agent.terminals.map((terminal, t) => runQueue(terminal, agent.index, plan.queues[agent.index]![t]!, tick)),
    ),
  );
  run.outcomes.push(...results.flat());
  for (const pair of plan.doubleSpend) {
    const [a, b] = run.fleet[pair.agent]!.terminals;
    const step = {
      kind: 'withdraw' as const,
      label: 'full' as const,
      card: pair.card,
      enteredPin: pair.card.pin,
      amount: pair.amount,
      fault: 'none' as const,
    };
    run.outcomes.push(
      ...(await Promise.all([
        runStep(a!, pair.agent, step, 'doubleSpend'),
        runStep(b!, pair.agent, step, 'doubleSpend'),
      ])),
    );
  }
}

async function captureSet(run: RigRun): Promise<SignedEntitlementSet | undefined> {
  if (!run.options.attacks.clone) return undefined;
  const keys = run.fleet[cloneVictimIndex]!.keys;
  const answer = await signedRequest(run.gateway.url, keys, 'GET', `/v1/agents/${keys.agentId}/entitlements`);
  return answer.status === 200 ? (answer.body as SignedEntitlementSet) : undefined;
}

function cloneCards(run: RigRun): { pan: string; pin: string; kpmId: string; amount: number }[] {
  const paid = run.outcomes.filter(
    (o) =>
      o.agent === cloneVictimIndex &&
      o.toldApproved &&
      o.label === 'full' &&
      o.reversal === undefined &&
      o.kpmId !== null,
  );
  const ids = [...new Set(paid.map((o) => o.kpmId!))].sort().slice(0, 2);
  return ids.map((kpmId) => {
    const kpm = run.field.population.find((k) => k.kpmId === kpmId)!;
    return { pan: kpm.card.pan, pin: kpm.card.pin, kpmId, amount: kpm.rupiahPerTahap };
  });
}

async function attacksPhase(
  run: RigRun,
  savedSet: SignedEntitlementSet | undefined,
): Promise<Map<number, AgentView['ledger']>> {
  const ledgers = new Map<number, AgentView['ledger']>();
  const { store, url } = run.gateway;
  if (run.options.attacks.tamper) {
    run.progress('attack: altering an unacknowledged ledger entry on disk');
    const { result, ledgerBefore } = await tamperAttack(run.fleet[tamperVictimIndex]!, url, store);
    run.attacks.push(result);
    ledgers.set(tamperVictimIndex, ledgerBefore);
  }
  if (savedSet !== undefined) {
    run.progress('attack: a cloned agent key paying out from a fresh ledger');
    const { result, outcomes } = await cloneAttack(
      {
        victim: run.fleet[cloneVictimIndex]!,
        savedSet,
        cards: cloneCards(run),
        gatewayUrl: url,
        gatewayPublicKey: run.gateway.gw.keys.signingPublicKey,
        responseTimeoutMs: run.options.responseTimeoutMs,
      },
      store,
    );
    run.attacks.push(result);
    run.outcomes.push(...outcomes);
  }
  return ledgers;
}

async function gatewayEntries(store: GatewayStore, agentId: string): Promise<AgentView['gateway']> {
  const all: AgentView['gateway'][number][] = [];
  for (;;) {
    const page = await store.entries(agentId, all.length + 1, 500);
    all.push(...page);
    if (page.length < 500) return all;
  }
}

async function agentViews(run: RigRun, ledgers: Map<number, AgentView['ledger']>): Promise<AgentView[]> {
  const views: AgentView[] = [];
  for (const agent of run.fleet) {
    const role =
      agent.index === tamperVictimIndex && run.options.attacks.tamper
        ? 'tampered'
        : agent.index === cloneVictimIndex && run.options.attacks.clone
          ? 'cloned'
          : 'honest';
    const ledger = ledgers.get(agent.index) ?? (await agent.running!.core.exportBundle(1)).entries;
    const record = await run.gateway.store.getAgent(agent.keys.agentId);
    views.push({
      agentId: agent.keys.agentId,
      role,
      ledger,
      gateway: await gatewayEntries(run.gateway.store, agent.keys.agentId),
      flagged: record?.flagged === true,
    });
  }
  return views;
}

export async function runRig(
  input: RigOptionsInput,
  progress: (text: string) => void = () => undefined,
  hooks: RigHooks = {},
): Promise<RigReport> {
  const options = parseRigOptions(input);
  const startedAt = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'edc-rig-'));
  const prng = createPrng(options.seed);
  let fleet: RigAgent[] = [];
  let gateway: RigGateway | undefined;
  try {
    progress(`setting up ${options.kpm} KPM, ${rigBankCount} bank files, gateway and ${options.agents} agents`);
    const field = await setUpField(prng.fork('field'), options, dir, join(dir, 'gateway'));
    gateway = await startRigGateway(join(dir, 'gateway'), hooks.wrapStore);
    const proxyPrng = prng.fork('proxies');
    fleet = await startFleet(options, field.agents, gateway.url, gateway.gw.keys.signingPublicKey, dir, () =>
      proxyPrng.int(0, 0xffffffff),
    );
    const run: RigRun = {
      options,
      prng: prng.fork('run'),
      dir,
      field,
      gateway,
      fleet,
      outcomes: [],
      attacks: [],
      progress,
    };
    await initialSync(fleet);
    const savedSet = await captureSet(run);
    for (const agent of fleet) await connectTerminals(agent, options);
    const plan = buildPlan(prng.fork('plan'), options, field.population, field.statusOf);
    const outages = scheduleOutages(run);
    await runQueues(run, plan);
    outages.timers.forEach(clearTimeout);
    progress('signal back: draining every agent to the gateway');
    const drainPasses: Record<string, number> = {};
    for (const agent of fleet) {
      if (agent.index === tamperVictimIndex && options.attacks.tamper) continue;
      agent.proxy.setOnline(true);
      drainPasses[agent.keys.agentId] = await drainAgent(agent);
    }
    const ledgers = await attacksPhase(run, savedSet);
    progress('bad requests at the gateway, then reconciliation');
    const honest = fleet.find((a) => a.index !== tamperVictimIndex && a.index !== cloneVictimIndex) ?? fleet[0]!;
    const probes = await runProbes(
      prng.fork('probes'),
      gateway.url,
      gateway.store,
      options.tahap,
      honest.keys,
      field.agents.map((a) => a.agentId),
    );
    const recon = await gateway.store.reconcile(options.tahap, Date.now());
    const counters = await gateway.store.summary(options.tahap, {});
    const views = await agentViews(run, ledgers);
    const creditedOf = new Map(
      field.population
        .filter((k) => field.statusOf.get(k.kpmId) === 'credited')
        .map((k) => [k.kpmId, k.rupiahPerTahap]),
    );
    const checkInput = {
      outcomes: run.outcomes,
      agents: views,
      counters,
      reconAgree: recon.agree,
      bankTotals: field.bankTotals,
      creditedOf,
      probes: probes.probes,
      probesStateUnchanged: probes.stateUnchanged,
      malformedImport: field.malformedImport,
      attacks: run.attacks,
    };
    const invariants = checkAll(checkInput);
    return buildReport({
      options,
      field,
      plan,
      outcomes: run.outcomes,
      views,
      counters,
      recon,
      attacks: run.attacks,
      probes: probes.probes,
      invariants,
      outageWindows: outages.windows,
      settlements: await gateway.store.settlements(options.tahap),
      run: {
        wallMs: Date.now() - startedAt,
        dir,
        gatewayUrl: gateway.url,
        drainPasses,
        proxies: Object.fromEntries(fleet.map((a) => [a.keys.agentId, a.proxy.stats])),
      },
    });
  } finally {
    await stopFleet(fleet);
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rigBankCount = 4;
