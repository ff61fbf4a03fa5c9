/**
 * runRig: the whole field day, seeded. Setup (bank files, gateway, enrolment), agents and their
 * villages' signal, the terminal queues with faults and outages in logical steps, the double
 * spends, the drain, the tampered ledger, the double spend recorded in a chain, the cloned key,
 * bad requests, reconciliation, then the invariant checks and the report. Nothing in the run
 * waits on the wall clock (see village.ts and terminals.ts), so the report's `result` is a
 * function of the options whatever the machine's load. Every phase is its own function.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry, SignedEntitlementSet } from '../../protocol/messages/index.ts';
import type { TahapCounters } from '../../gateway/recon/counters.ts';
import type { GatewayStore, ReconResult } from '../../gateway/store/types.ts';
import { createPrng, type Prng } from '../common/prng.ts';
import type { AttackResult } from './attacks.ts';
import { checkAll, type AgentView, type InvariantResult } from './check.ts';
import { cloneAttack } from './clone.ts';
import { doubleSpendAttack } from './double-spend.ts';
import type { StepOutcome } from './drive.ts';
import { connectTerminals, drainAgent, startFleet, stopFleet, type RigAgent } from './fleet.ts';
import { startRigGateway, type RigGateway } from './gateway.ts';
import { parseRigOptions, type RigOptions, type RigOptionsInput } from './options.ts';
import { buildPlan, type Plan } from './plan.ts';
import { runProbes } from './probes.ts';
import { ProgressTracker, type ProgressListener } from './progress.ts';
import { buildReport, type RigReport, type VillageRecord } from './report.ts';
import { cloneVictimIndex, doubleSpenderIndex, roleOf, tamperVictimIndex } from './roles.ts';
import { setUpField, type Field } from './setup.ts';
import { signedRequest } from './signed-client.ts';
import { tamperAttack } from './tamper.ts';
import { runVillage } from './village.ts';

export interface RigHooks {
  /** Test only: wraps the gateway store (e.g. to hide an acknowledged entry and see the checker fail). */
  readonly wrapStore?: (store: GatewayStore) => GatewayStore;
  /**
   * Test only: during the attacks the attackers reach no gateway (their uploads go to a port
   * nothing listens on) and the tampered village gets no signal back, to show that an attack is
   * never counted as caught because the gateway could not be reached.
   */
  readonly unreachable?: boolean;
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
  readonly tracker: ProgressTracker;
}

async function initialSync(fleet: readonly RigAgent[]): Promise<void> {
  for (const agent of fleet) {
    agent.proxy.setOnline(true);
    await drainAgent(agent);
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

/** A URL nothing answers on: a port bound and released at once. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** What the attacks leave for the views: ledgers as they were before tampering, entries firmware added. */
interface AttackTraces {
  readonly ledgers: Map<number, readonly LedgerEntry[]>;
  readonly injected: Map<number, readonly LedgerEntry[]>;
}

async function attacksPhase(
  run: RigRun,
  savedSet: SignedEntitlementSet | undefined,
  hooks: RigHooks,
): Promise<AttackTraces> {
  const traces: AttackTraces = { ledgers: new Map(), injected: new Map() };
  const { store } = run.gateway;
  const url = hooks.unreachable === true ? await deadUrl() : run.gateway.url;
  const { attacks } = run.options;
  if (attacks.tamper) {
    run.tracker.enter('attacks', 'altering an unacknowledged ledger entry on disk');
    const victim = run.fleet[tamperVictimIndex]!;
    const { result, ledgerBefore } = await tamperAttack(
      { victim, gatewayUrl: url, signalBack: hooks.unreachable !== true },
      store,
    );
    run.attacks.push(result);
    traces.ledgers.set(tamperVictimIndex, ledgerBefore);
  }
  if (attacks.doubleSpend) {
    run.tracker.enter('attacks', 'firmware recording a double spend in its own chain');
    const agent = run.fleet[doubleSpenderIndex]!;
    const input = { agent, field: run.field, agents: run.options.agents, tahap: run.options.tahap, gatewayUrl: url };
    const { result, injected } = await doubleSpendAttack(run.prng.fork('doubleSpend'), input, store);
    run.attacks.push(result);
    traces.injected.set(doubleSpenderIndex, injected);
  }
  if (savedSet !== undefined) {
    run.tracker.enter('attacks', 'a cloned agent key paying out from a fresh ledger');
    const { result, outcomes } = await cloneAttack(
      {
        victim: run.fleet[cloneVictimIndex]!,
        savedSet,
        cards: cloneCards(run),
        gatewayUrl: url,
        gatewayPublicKey: run.gateway.gw.keys.signingPublicKey,
        answerWaitMs: run.options.answerWaitMs,
      },
      store,
    );
    run.attacks.push(result);
    run.outcomes.push(...outcomes);
  }
  return traces;
}

async function gatewayEntries(store: GatewayStore, agentId: string): Promise<AgentView['gateway']> {
  const all: AgentView['gateway'][number][] = [];
  for (;;) {
    const page = await store.entries(agentId, all.length + 1, 500);
    all.push(...page);
    if (page.length < 500) return all;
  }
}

async function agentViews(run: RigRun, traces: AttackTraces): Promise<AgentView[]> {
  const views: AgentView[] = [];
  for (const agent of run.fleet) {
    const injected = traces.injected.get(agent.index) ?? [];
    const own = traces.ledgers.get(agent.index) ?? (await agent.running!.core.exportBundle(1)).entries;
    const record = await run.gateway.store.getAgent(agent.keys.agentId);
    views.push({
      agentId: agent.keys.agentId,
      role: roleOf(agent.index, run.options),
      ledger: [...own, ...injected],
      injected,
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
  readonly syncPasses: Record<string, number>;
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
  tracker: ProgressTracker,
  hooks: RigHooks,
): Promise<RigRun> {
  tracker.enter('setup', `${options.kpm} KPM, ${rigBankCount} bank files, gateway and ${options.agents} agents`);
  const field = await setUpField(prng.fork('field'), options, dir, join(dir, 'gateway'));
  const gateway = await startRigGateway(join(dir, 'gateway'), hooks.wrapStore);
  resources.gateway = gateway;
  const proxyPrng = prng.fork('proxies');
  const fleet = await startFleet(options, field.agents, gateway.url, gateway.gw.keys.signingPublicKey, dir, () =>
    proxyPrng.int(0, 0xffffffff),
  );
  resources.fleet = fleet;
  return { options, prng: prng.fork('run'), dir, field, gateway, fleet, outcomes: [], attacks: [], tracker };
}

/** Run the field: the first sync, the terminals, then every village's day side by side. */
async function runField(run: RigRun, planPrng: Prng): Promise<FieldDay> {
  await initialSync(run.fleet);
  const savedSet = await captureSet(run);
  for (const agent of run.fleet) await connectTerminals(agent, run.options);
  const plan = buildPlan(planPrng, run.options, run.field.population, run.field.statusOf);
  run.tracker.stepsPlanned = plan.queues.flat(2).length + plan.doubleSpend.length * 2;
  run.tracker.enter('field', 'terminals at work');
  const days = await Promise.all(
    run.fleet.map((agent) =>
      runVillage(agent, plan, roleOf(agent.index, run.options) === 'tampered', (o) => run.tracker.step(o.toldApproved)),
    ),
  );
  const syncPasses: Record<string, number> = {};
  days.forEach((day, i) => {
    run.outcomes.push(...day.outcomes);
    syncPasses[run.fleet[i]!.keys.agentId] = day.passes;
  });
  return { plan, savedSet, syncPasses };
}

/** Drain: signal back in every village but the tampered one; each agent uploads until it has nothing left. */
async function drainAll(run: RigRun): Promise<Record<string, number>> {
  run.tracker.enter('drain', 'signal back: every agent uploads its queue');
  const drainPasses: Record<string, number> = {};
  for (const agent of run.fleet) {
    if (roleOf(agent.index, run.options) === 'tampered') continue;
    agent.proxy.setOnline(true);
    drainPasses[agent.keys.agentId] = await drainAgent(agent);
  }
  return drainPasses;
}

/** Bad requests at the gateway (from an agent whose chain is whole), then reconciliation, then every agent's view. */
async function probeAndReconcile(run: RigRun, probesPrng: Prng, traces: AttackTraces): Promise<Findings> {
  run.tracker.enter('checks', 'bad requests at the gateway, then reconciliation');
  const { fleet, gateway, options } = run;
  const prober =
    fleet.find((a) => roleOf(a.index, options) === 'honest') ??
    fleet.find((a) => roleOf(a.index, options) === 'doubleSpender') ??
    fleet[0]!;
  const agentIds = run.field.agents.map((a) => a.agentId);
  const probes = await runProbes(probesPrng, gateway.url, gateway.store, options.tahap, prober.keys, agentIds);
  const recon = await gateway.store.reconcile(options.tahap, Date.now());
  const counters = await gateway.store.summary(options.tahap, {});
  const views = await agentViews(run, traces);
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

function villageRecords(run: RigRun, day: FieldDay, drainPasses: Record<string, number>): VillageRecord[] {
  return run.fleet.map((agent) => ({
    agentId: agent.keys.agentId,
    steps: day.plan.villages[agent.index]!.turns.length,
    outages: day.plan.villages[agent.index]!.outages,
    syncEverySteps: day.plan.villages[agent.index]!.syncEverySteps,
    syncPasses: day.syncPasses[agent.keys.agentId] ?? 0,
    drainPasses: drainPasses[agent.keys.agentId] ?? 0,
    signal: { ...agent.proxy.stats, faults: { ...agent.proxy.stats.faults } },
  }));
}

/** Report: the seeded result, then the run's wall-clock part. */
async function report(
  run: RigRun,
  day: FieldDay,
  findings: Findings,
  invariants: InvariantResult[],
  runPart: { readonly startedAt: number; readonly drainPasses: Record<string, number> },
): Promise<RigReport> {
  const { options, gateway } = run;
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
    villages: villageRecords(run, day, runPart.drainPasses),
    settlements: await gateway.store.settlements(options.tahap),
    run: { wallMs: Date.now() - runPart.startedAt, dir: run.dir, gatewayUrl: gateway.url },
  });
}

export async function runRig(
  input: RigOptionsInput,
  progress: ProgressListener = () => undefined,
  hooks: RigHooks = {},
): Promise<RigReport> {
  const options = parseRigOptions(input);
  const startedAt = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'edc-rig-'));
  const prng = createPrng(options.seed);
  const resources: RigResources = { fleet: [] };
  const tracker = new ProgressTracker(progress, () => resources.fleet);
  try {
    const run = await setUp(options, prng, dir, resources, tracker, hooks);
    const day = await runField(run, prng.fork('plan'));
    const drainPasses = await drainAll(run);
    const traces = await attacksPhase(run, day.savedSet, hooks);
    const findings = await probeAndReconcile(run, prng.fork('probes'), traces);
    const invariants = checkInvariants(run, findings);
    const result = await report(run, day, findings, invariants, { startedAt, drainPasses });
    if (hooks.keep !== undefined) {
      // Kept running for people to look at, the agents forward on their own again, as in the field.
      for (const agent of run.fleet) agent.running?.forwarder.start();
      await hooks.keep({ report: result, gateway: run.gateway, fleet: run.fleet });
    }
    return result;
  } finally {
    await stopFleet(resources.fleet);
    await resources.gateway?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rigBankCount = 4;
