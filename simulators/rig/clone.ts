/**
 * The cloned key: a second device with the victim's id and key and a fresh ledger installs an
 * entitlement set captured right after enrolment and pays two KPMs the victim already paid. It
 * is caught when the gateway refuses its upload as a fork (409 EDC_ERR_UPLOAD_FORK), flags the
 * victim and keeps the clone's entry as fork evidence, and the clone's own forwarder halts on the
 * gateway's receipt (EDC_ERR_FORWARD_FORK). A clone that cannot reach the gateway is not caught.
 */
import { join } from 'node:path';
import pino from 'pino';
import { startAgent } from '../../agent/cli/runtime.ts';
import type { SignedEntitlementSet } from '../../protocol/messages/index.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { gatewayFlag, type AttackResult } from './attacks.ts';
import { runStep, type StepOutcome } from './drive.ts';
import { agentConfig, type RigAgent } from './fleet.ts';
import type { Step } from './plan.ts';
import { uploadEntries } from './signed-client.ts';
import { RigTerminal } from './terminals.ts';

export interface CloneInput {
  readonly victim: RigAgent;
  readonly savedSet: SignedEntitlementSet;
  readonly cards: readonly { pan: string; pin: string; kpmId: string; amount: number }[];
  /** Where the clone reaches the gateway (a test points it at nothing). */
  readonly gatewayUrl: string;
  readonly gatewayPublicKey: string;
  readonly answerWaitMs: number;
}

async function payOut(input: CloneInput, tcp: { host: string; port: number }): Promise<StepOutcome[]> {
  const terminal = new RigTerminal(
    'EDC99901',
    'AGEN99999999999',
    { kind: 'tcp', ...tcp },
    {
      responseTimeoutMs: input.answerWaitMs,
      answerWaitMs: input.answerWaitMs,
    },
  );
  await terminal.open();
  const outcomes: StepOutcome[] = [];
  try {
    for (const card of input.cards) {
      const step: Step = {
        kind: 'withdraw',
        label: 'full',
        card,
        enteredPin: card.pin,
        amount: card.amount,
        fault: 'none',
      };
      outcomes.push(await runStep(terminal, input.victim.index, step, 'clone'));
    }
  } finally {
    await terminal.close();
  }
  return outcomes;
}

export async function cloneAttack(
  input: CloneInput,
  store: GatewayStore,
): Promise<{ result: AttackResult; outcomes: StepOutcome[] }> {
  const { victim } = input;
  const dir = join(victim.dir, '..', `${victim.keys.agentId}-clone`);
  const config = agentConfig(victim.keys, input.gatewayUrl, input.gatewayPublicKey, join(dir, 'ledger'), []);
  const clone = await startAgent({
    dir,
    config,
    seed: victim.keys.seed,
    logger: pino({ level: 'silent' }),
    forward: false,
  });
  let outcomes: StepOutcome[] = [];
  let answer: { status: number; code: string | undefined } = { status: 0, code: undefined };
  let entries: Awaited<ReturnType<typeof clone.core.unacknowledged>> = [];
  let own: Awaited<ReturnType<typeof clone.forwarder.syncNow>> | undefined;
  try {
    await clone.core.installEntitlementSet(input.savedSet);
    outcomes = await payOut(input, clone.tcp!);
    entries = await clone.core.unacknowledged(500);
    if (entries.length > 0) answer = await uploadEntries(input.gatewayUrl, victim.keys, entries);
    own = await clone.forwarder.syncNow();
  } finally {
    await clone.stop();
  }
  const ownStop =
    own === undefined
      ? 'never ran'
      : own.ok
        ? 'forwarded (its own check did not stop it)'
        : `stopped by ${own.error.code}`;
  const hashes = new Set(entries.map((e) => e.hash));
  const flag = await gatewayFlag(store, victim.keys.agentId, 'fork', (found) => hashes.has(found.hash));
  const approved = outcomes.filter((o) => o.toldApproved).length;
  const caught =
    approved > 0 &&
    answer.status === 409 &&
    answer.code === 'EDC_ERR_UPLOAD_FORK' &&
    flag.flagged &&
    flag.evidence > 0 &&
    own !== undefined &&
    !own.ok &&
    own.halted &&
    own.error.code === 'EDC_ERR_FORWARD_FORK';
  return {
    result: {
      name: 'clonedKey',
      agentId: victim.keys.agentId,
      expected:
        'gateway 409 EDC_ERR_UPLOAD_FORK, fork flag and evidence naming the clone entry;' +
        ' clone forwarder halts with EDC_ERR_FORWARD_FORK',
      agentSide: `clone approved ${approved} withdrawal(s); its forwarder ${ownStop}`,
      gatewayStatus: answer.status,
      gatewayCode: answer.code,
      ...flag,
      caught,
    },
    outcomes,
  };
}
