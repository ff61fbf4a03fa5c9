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
import type { TahapCounters } from '../../gateway/recon/counters.ts';
import type { GatewayStore, ReconResult } from '../../gateway/store/types.ts';
import { createPrng, type Prng } from '../common/prng.ts';
import { cloneAttack, tamperAttack, type AttackResult } from './attacks.ts';
import { checkAll, type AgentView, type InvariantResult } from './check.ts';
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
  /**
   * Called with the running gateway and agents after the report is built and before they are
   * stopped (`edc-sim demo --keep`, the browser tests); the rig tears down when it resolves.
   */
  readonly keep?: (live: RigLive) => Promise<void>;
}

export interface RigLive {
  readonly report: RigReport;
  readonly gateway: RigGateway;
  readonly fleet: readonly RigAgent[];
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

/** What runRig closes whatever happens; set-up fills it in as each part starts. */
interface RigResources {
  fleet: RigAgent[];
  gateway?: RigGateway;
}

/** What the field day leaves for the later phases. */
interface FieldDay {
  readonly plan: Plan;
  readonly savedSet: SignedEntitlementSet | undefined;
  readonly outageWindows: number;
}

/** What the gateway says after the probes and reconciliation, and each agent's ledger beside it. */
interface Findings {
  readonly probes: Awaited<ReturnType<typeof runProbes>>;
  readonly recon: ReconResult;
  readonly counters: TahapCounters;
  readonly views: AgentView[];
}

/** Set up: the bank files and population, the gateway, then the agents behind their signal proxies. */
async function setUp(
  options: RigOptions,
  prng: Prng,
  dir: string,
  resources: RigResources,
  progress: (text: string) => void,
  hooks: RigHooks,
): Promise<RigRun> {
  progress(`setting up ${options.kpm} KPM, ${rigBankCount} bank files, gateway and ${options.agents} agents`);
  const field = await setUpField(prng.fork('field'), options, dir, join(dir, 'gateway'));
  const gateway = await startRigGateway(join(dir, 'gateway'), hooks.wrapStore);
  resources.gateway = gateway;
  const proxyPrng = prng.fork('proxies');
  const fleet = await startFleet(options, field.agents, gateway.url, gateway.gw.keys.signingPublicKey, dir, () =>
    proxyPrng.int(0, 0xffffffff),
  );
  resources.fleet = fleet;
  return { options, prng: prng.fork('run'), dir, field, gateway, fleet, outcomes: [], attacks: [], progress };
}

/** Run the field: the first sync, the terminals, then every queue and double spend under the outages. */
async function runField(run: RigRun, planPrng: Prng): Promise<FieldDay> {
  await initialSync(run.fleet);
  const savedSet = await captureSet(run);
  for (const agent of run.fleet) await connectTerminals(agent, run.options);
  const plan = buildPlan(planPrng, run.options, run.field.population, run.field.statusOf);
  const outages = scheduleOutages(run);
  await runQueues(run, plan);
  outages.timers.forEach(clearTimeout);
  return { plan, savedSet, outageWindows: outages.windows };
}

/** Drain: signal back in every village but the tampered one; each agent uploads until it has nothing left. */
async function drainAll(run: RigRun): Promise<Record<string, number>> {
  run.progress('signal back: draining every agent to the gateway');
  const drainPasses: Record<string, number> = {};
  for (const agent of run.fleet) {
    if (agent.index === tamperVictimIndex && run.options.attacks.tamper) continue;
    agent.proxy.setOnline(true);
    drainPasses[agent.keys.agentId] = await drainAgent(agent);
  }
  return drainPasses;
}

/** Bad requests at the gateway (from an honest agent), then reconciliation, then every agent's view. */
async function probeAndReconcile(
  run: RigRun,
  probesPrng: Prng,
  ledgers: Map<number, AgentView['ledger']>,
): Promise<Findings> {
  run.progress('bad requests at the gateway, then reconciliation');
  const { fleet, gateway, options } = run;
  const honest = fleet.find((a) => a.index !== tamperVictimIndex && a.index !== cloneVictimIndex) ?? fleet[0]!;
  const agentIds = run.field.agents.map((a) => a.agentId);
  const probes = await runProbes(probesPrng, gateway.url, gateway.store, options.tahap, honest.keys, agentIds);
  const recon = await gateway.store.reconcile(options.tahap, Date.now());
  const counters = await gateway.store.summary(options.tahap, {});
  const views = await agentViews(run, ledgers);
  return { probes, recon, counters, views };
}

/** Check: the invariants over everything the terminals were told, the ledgers and the gateway's figures. */
function checkInvariants(run: RigRun, findings: Findings): InvariantResult[] {
  const { field } = run;
  const creditedOf = new Map(
    field.population.filter((k) => field.statusOf.get(k.kpmId) === 'credited').map((k) => [k.kpmId, k.rupiahPerTahap]),
  );
  return checkAll({
    outcomes: run.outcomes,
    agents: findings.views,
    counters: findings.counters,
    reconAgree: findings.recon.agree,
    bankTotals: field.bankTotals,
    creditedOf,
    probes: findings.probes.probes,
    probesStateUnchanged: findings.probes.stateUnchanged,
    malformedImport: field.malformedImport,
    attacks: run.attacks,
  });
}

/** Report: the seeded result, then the run's timing-dependent part. */
async function report(
  run: RigRun,
  day: FieldDay,
  findings: Findings,
  invariants: InvariantResult[],
  runPart: { readonly startedAt: number; readonly drainPasses: Record<string, number> },
): Promise<RigReport> {
  const { options, gateway, fleet } = run;
  return buildReport({
    options,
    field: run.field,
    plan: day.plan,
    outcomes: run.outcomes,
    views: findings.views,
    counters: findings.counters,
    recon: findings.recon,
    attacks: run.attacks,
    probes: findings.probes.probes,
    invariants,
    outageWindows: day.outageWindows,
    settlements: await gateway.store.settlements(options.tahap),
    run: {
      wallMs: Date.now() - runPart.startedAt,
      dir: run.dir,
      gatewayUrl: gateway.url,
      drainPasses: runPart.drainPasses,
      proxies: Object.fromEntries(fleet.map((a) => [a.keys.agentId, a.proxy.stats])),
    },
  });
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
  const resources: RigResources = { fleet: [] };
  try {
    const run = await setUp(options, prng, dir, resources, progress, hooks);
    const day = await runField(run, prng.fork('plan'));
    const drainPasses = await drainAll(run);
    const ledgers = await attacksPhase(run, day.savedSet);
    const findings = await probeAndReconcile(run, prng.fork('probes'), ledgers);
    const invariants = checkInvariants(run, findings);
    const result = await report(run, day, findings, invariants, { startedAt, drainPasses });
    if (hooks.keep !== undefined) await hooks.keep({ report: result, gateway: run.gateway, fleet: run.fleet });
    return result;
  } finally {
    await stopFleet(resources.fleet);
    await resources.gateway?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rigBankCount = 4;
