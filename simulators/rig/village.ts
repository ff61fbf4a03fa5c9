/**
 * One village's field day, in the logical steps of its plan: before each step the signal is set
 * for that step (blankspot windows, or no signal all day for the tampered agent), one terminal
 * acts and waits for its answer, and every syncEverySteps steps the agent runs one forwarding
 * pass and the rig waits for it. Nothing waits on the wall clock, so the agent's ledger, the
 * requests its signal proxy sees (and so the proxy's seeded faults) and what the gateway holds
 * follow from the seed alone. Villages run side by side: they share only the gateway, where
 * their chains and KPMs are disjoint. Last come the concurrent double spends, two terminals at
 * the same instant, whose order is the point of the attack (the report counts, never orders, them).
 */
import { ERR_SIM_RIG_STALLED } from '../errors.ts';
import { runStep, type StepOutcome } from './drive.ts';
import type { RigAgent } from './fleet.ts';
import { inOutage, type Plan, type Step } from './plan.ts';

export interface VillageDay {
  readonly outcomes: StepOutcome[];
  /** Forwarding passes the agent ran during the day. */
  readonly passes: number;
}

/** One forwarding pass, awaited. A halt during the field day (no attack has run yet) is a rig failure. */
export async function forwardPass(agent: RigAgent): Promise<void> {
  const outcome = await agent.running!.forwarder.syncNow();
  if (!outcome.ok && outcome.halted)
    throw new ERR_SIM_RIG_STALLED(
      `Agent ${agent.keys.agentId} halted forwarding during the field day:` +
        ` ${outcome.error.code}: ${outcome.error.message}`,
      { agentId: agent.keys.agentId, code: outcome.error.code },
    );
}

async function doubleSpends(agent: RigAgent, plan: Plan): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  const [a, b] = agent.terminals;
  for (const pair of plan.doubleSpend.filter((p) => p.agent === agent.index)) {
    const step: Step = {
      kind: 'withdraw',
      label: 'full',
      card: pair.card,
      enteredPin: pair.card.pin,
      amount: pair.amount,
      fault: 'none',
    };
    outcomes.push(
      ...(await Promise.all([
        runStep(a!, agent.index, step, 'doubleSpend'),
        runStep(b!, agent.index, step, 'doubleSpend'),
      ])),
    );
  }
  return outcomes;
}

export async function runVillage(
  agent: RigAgent,
  plan: Plan,
  offlineAllDay: boolean,
  onStep: (outcome: StepOutcome) => void,
): Promise<VillageDay> {
  const village = plan.villages[agent.index]!;
  const queues = plan.queues[agent.index]!;
  const next = queues.map(() => 0);
  const outcomes: StepOutcome[] = [];
  let passes = 0;
  for (let s = 0; s < village.turns.length; s++) {
    agent.proxy.setOnline(!offlineAllDay && !inOutage(village, s));
    const t = village.turns[s]!;
    const step = queues[t]![next[t]!++]!;
    const outcome = await runStep(agent.terminals[t]!, agent.index, step);
    outcomes.push(outcome);
    onStep(outcome);
    if ((s + 1) % village.syncEverySteps === 0) {
      await forwardPass(agent);
      passes++;
    }
  }
  for (const outcome of await doubleSpends(agent, plan)) {
    outcomes.push(outcome);
    onStep(outcome);
  }
  return { outcomes, passes };
}
