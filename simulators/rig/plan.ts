/**
 * The seeded scenario: which KPMs come to which terminal, in what order, asking for what, with
 * which terminal fault, and each village's day in logical steps (which terminal acts at each
 * step, the blankspot windows, the sync interval). Everything here is a pure function of the
 * seed and the population. Each KPM's steps stay in one terminal's queue in order, and a village
 * serves one request at a time in the planned order, so every decision and every ledger position
 * is the same on every run (the deliberate concurrent double-spend pairs excepted: their result
 * is counted, not ordered).
 */
import type { Kpm } from '../bank/index.ts';
import type { DisbursementStatus } from '../../gateway/import/index.ts';
import type { Prng } from '../common/prng.ts';
import { makeKksCard } from '../terminal/index.ts';
import type { RigOptions } from './options.ts';

export type StepLabel =
  'full' | 'partial' | 'rest' | 'balance' | 'wrongPin' | 'overLimit' | 'unknownCard' | 'otherAgent' | 'noDisbursement';
export type TerminalFault = 'none' | 'lostAck' | 'corrupt' | 'responseTimeout' | 'powerLoss';

export interface PlannedCard {
  readonly pan: string;
  readonly pin: string;
  /** The KPM whose card this is, or null for a card no bank issued to a KPM. */
  readonly kpmId: string | null;
}

export interface Step {
  readonly kind: 'withdraw' | 'balance';
  readonly label: StepLabel;
  readonly card: PlannedCard;
  readonly enteredPin: string;
  readonly amount: number;
  readonly fault: TerminalFault;
}

export interface DoubleSpendPair {
  readonly agent: number;
  readonly card: PlannedCard;
  readonly amount: number;
}

/** A blankspot window in a village's logical time: steps fromStep..toStep-1 run with no signal. */
export interface OutageWindow {
  readonly fromStep: number;
  readonly toStep: number;
}

/**
 * One village's day in logical steps, so that nothing in it depends on the wall clock: which
 * terminal acts at each step (a seeded merge of the terminal queues, one request at a time, so
 * the agent's ledger order is the seed's), when the signal is out, and how often the agent runs
 * a forwarding pass (its sync interval, counted in steps).
 */
export interface Village {
  readonly turns: readonly number[];
  readonly outages: readonly OutageWindow[];
  readonly syncEverySteps: number;
}

export interface Plan {
  /** queues[agent][terminal] */
  readonly queues: Step[][][];
  readonly doubleSpend: DoubleSpendPair[];
  /** villages[agent] */
  readonly villages: Village[];
}

/** A forwarding pass every 8..24 steps: several passes per village day, some inside its outages. */
export const syncEveryStepsRange = { min: 8, max: 24 } as const;

/** Above the gateway's default withdrawalAmountMax (3 000 000): answered 61 by the agent. */
export const overLimitAmount = 3_500_000;
const amountStep = 50_000;

function wrongPin(pin: string): string {
  return pin.slice(0, 5) + String((Number(pin[5]) + 1) % 10);
}

function cardOf(kpm: Kpm): PlannedCard {
  return { pan: kpm.card.pan, pin: kpm.card.pin, kpmId: kpm.kpmId };
}

function pickFault(prng: Prng, options: RigOptions): TerminalFault {
  const f = options.faults;
  const draw = prng.next();
  if (draw < f.lostAck) return 'lostAck';
  if (draw < f.lostAck + f.corrupt) return 'corrupt';
  if (draw < f.lostAck + f.corrupt + f.responseTimeout) return 'responseTimeout';
  if (draw < f.lostAck + f.corrupt + f.responseTimeout + f.powerLoss) return 'powerLoss';
  return 'none';
}

/** The steps of one KPM's visit to its agent, in order. */
function visitSteps(prng: Prng, options: RigOptions, kpm: Kpm, status: DisbursementStatus): Step[] {
  const card = cardOf(kpm);
  const steps: Step[] = [];
  const add = (kind: Step['kind'], label: StepLabel, amount: number, enteredPin = card.pin): void => {
    steps.push({
      kind,
      label,
      card,
      enteredPin,
      amount,
      fault: kind === 'withdraw' ? pickFault(prng, options) : 'none',
    });
  };
  const full = kpm.rupiahPerTahap;
  if (status !== 'credited') {
    add('withdraw', 'noDisbursement', full);
    return steps;
  }
  if (prng.chance(0.1)) add('balance', 'balance', 0);
  if (prng.chance(0.06)) add('withdraw', 'wrongPin', full, wrongPin(card.pin));
  if (prng.chance(0.04)) add('withdraw', 'overLimit', overLimitAmount);
  const units = Math.floor(full / amountStep);
  if (units >= 2 && prng.chance(0.35)) {
    const first = amountStep * prng.int(1, units - 1);
    add('withdraw', 'partial', first);
    if (prng.chance(0.3)) add('withdraw', 'rest', full - first);
  } else {
    add('withdraw', 'full', full);
  }
  return steps;
}

function shuffle<T>(prng: Prng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function agentOfKpm(index: number, agents: number): number {
  return index % agents;
}

export function buildPlan(
  prng: Prng,
  options: RigOptions,
  population: readonly Kpm[],
  statusOf: ReadonlyMap<string, DisbursementStatus>,
): Plan {
  const queues: Step[][][] = Array.from({ length: options.agents }, () =>
    Array.from({ length: options.terminals }, () => []),
  );
  const visits: { agent: number; steps: Step[] }[] = [];
  const idle: Kpm[][] = Array.from({ length: options.agents }, () => []);
  for (const kpm of population) {
    const agent = agentOfKpm(kpm.index, options.agents);
    const status = statusOf.get(kpm.kpmId) ?? 'failed';
    if (prng.chance(options.visitRate)) visits.push({ agent, steps: visitSteps(prng, options, kpm, status) });
    else if (status === 'credited') idle[agent]!.push(kpm);
  }
  for (let agent = 0; agent < options.agents; agent++) {
    for (let n = 0; n < 2; n++) {
      const card = makeKksCard(() => prng.next());
      visits.push({
        agent,
        steps: [
          {
            kind: 'withdraw',
            label: 'unknownCard',
            card: { pan: card.pan, pin: card.pin, kpmId: null },
            enteredPin: card.pin,
            amount: 500_000,
            fault: 'none',
          },
        ],
      });
    }
  }
  const doubleSpend: DoubleSpendPair[] = [];
  if (options.attacks.doubleSpend) planDoubleSpend(prng, options, population, statusOf, idle, visits, doubleSpend);
  for (const visit of shuffle(prng, visits))
    queues[visit.agent]![prng.int(0, options.terminals - 1)]!.push(...visit.steps);
  const villages = queues.map((terminalQueues) => buildVillage(prng, options, terminalQueues));
  return { queues, doubleSpend, villages };
}

/**
 * The order the terminals act in (each terminal's own queue stays in order: a uniform shuffle of
 * the multiset of terminal indices), the blankspot windows (each starts in the first half of the
 * day and lasts a tenth to a half of it) and the sync interval.
 */
function buildVillage(prng: Prng, options: RigOptions, terminalQueues: readonly Step[][]): Village {
  const turns = shuffle(
    prng,
    terminalQueues.flatMap((queue, terminal) => queue.map(() => terminal)),
  );
  const n = turns.length;
  const outages: OutageWindow[] = [];
  for (let w = 0; w < options.outagesPerAgent; w++) {
    const fromStep = prng.int(0, Math.floor(n / 2));
    const length = prng.int(Math.ceil(n / 10), Math.max(Math.ceil(n / 10), Math.ceil(n / 2)));
    outages.push({ fromStep, toStep: Math.min(n, fromStep + length) });
  }
  return { turns, outages, syncEverySteps: prng.int(syncEveryStepsRange.min, syncEveryStepsRange.max) };
}

export function inOutage(village: Village, step: number): boolean {
  return village.outages.some((w) => step >= w.fromStep && step < w.toStep);
}

/** (a) a card presented at an agent that does not serve its KPM; a cloned card used at two terminals at once. */
function planDoubleSpend(
  prng: Prng,
  options: RigOptions,
  population: readonly Kpm[],
  statusOf: ReadonlyMap<string, DisbursementStatus>,
  idle: Kpm[][],
  visits: { agent: number; steps: Step[] }[],
  pairs: DoubleSpendPair[],
): void {
  const credited = population.filter((k) => statusOf.get(k.kpmId) === 'credited');
  for (let agent = 0; agent < options.agents; agent++) {
    for (let n = 0; n < 2; n++) {
      const kpm = prng.pick(credited.filter((k) => agentOfKpm(k.index, options.agents) !== agent));
      visits.push({
        agent,
        steps: [
          {
            kind: 'withdraw',
            label: 'otherAgent',
            card: cardOf(kpm),
            enteredPin: kpm.card.pin,
            amount: kpm.rupiahPerTahap,
            fault: 'none',
          },
        ],
      });
    }
    for (const kpm of idle[agent]!.slice(0, 2)) pairs.push({ agent, card: cardOf(kpm), amount: kpm.rupiahPerTahap });
  }
}
