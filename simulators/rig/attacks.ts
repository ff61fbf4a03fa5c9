/**
 * The injected attacks that need more than a terminal: (b) a ledger entry altered on disk and
 * (c) a cloned agent key. Each returns what was observed on the agent side and at the gateway,
 * and whether it was caught: the checker turns "not caught" into a violation.
 */
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import pino from 'pino';
import { startAgent } from '../../agent/cli/runtime.ts';
import { isEdcError } from '../../protocol/errors.ts';
import type { LedgerEntry, SignedEntitlementSet } from '../../protocol/messages/index.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { agentConfig, startRigAgent, type RigAgent } from './fleet.ts';
import { runStep, type StepOutcome } from './drive.ts';
import { RigTerminal } from './terminals.ts';
import { uploadEntries } from './signed-client.ts';

export interface AttackResult {
  readonly name: 'tamperedLedger' | 'clonedKey' | 'cardAtOtherAgent' | 'clonedCardConcurrent';
  readonly agentId: string;
  readonly agentSide: string;
  readonly gatewayStatus: number;
  readonly gatewayCode: string | undefined;
  readonly flagged: boolean;
  readonly evidence: number;
  readonly caught: boolean;
}

async function gatewayFlag(
  store: GatewayStore,
  agentId: string,
  kind: 'fork' | 'tampered',
): Promise<{ flagged: boolean; evidence: number }> {
  const record = await store.getAgent(agentId);
  const evidence = (await store.evidence(agentId, 1000)).filter((e) => e.kind === kind).length;
  return { flagged: record?.flagged === true && record.flags.some((f) => f.kind === kind), evidence };
}

/** Reads every ledger entry and the acknowledged seq straight from a stopped agent's LevelDB. */
async function alterLedger(
  ledgerDir: string,
): Promise<{ before: LedgerEntry[]; ackSeq: number; altered: LedgerEntry | undefined }> {
  const root = new ClassicLevel<string, unknown>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  await root.open();
  try {
    const entries = root.sublevel<string, unknown>('entries', { keyEncoding: 'utf8', valueEncoding: 'json' });
    const meta = root.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
    const before = (await entries.values().all()) as LedgerEntry[];
    const ackSeq = ((await meta.get('ack')) as { seq: number } | undefined)?.seq ?? 0;
    const candidates = before.filter((e) => e.seq > ackSeq && e.kind === 'withdrawal');
    const target = candidates[Math.floor(candidates.length / 2)];
    if (target === undefined) return { before, ackSeq, altered: undefined };
    // What a dishonest operator would do: claim more cash paid than was, keeping hash and signature.
    const altered = { ...target, amount: target.amount + 100_000 };
    await entries.put(String(target.seq).padStart(16, '0'), altered);
    return { before, ackSeq, altered };
  } finally {
    await root.close();
  }
}

/** (b) Stop the agent, alter an unacknowledged entry's amount on disk, restart it, let it try to forward. */
export async function tamperAttack(
  agent: RigAgent,
  gatewayUrl: string,
  store: GatewayStore,
): Promise<{ result: AttackResult; ledgerBefore: LedgerEntry[] }> {
  await agent.running?.stop();
  agent.running = undefined;
  const { before, ackSeq, altered } = await alterLedger(agent.config.ledgerDir);
  let agentSide: string;
  try {
    await startRigAgent(agent);
    agent.proxy.setOnline(true);
    const outcome = await agent.running!.forwarder.syncNow();
    const verify = await agent.running!.core.verifyLedger();
    const forwarding = outcome.ok
      ? 'forwarded (NOT caught)'
      : `refused to forward: ${outcome.error.code}${outcome.halted ? ' (halted)' : ''}`;
    const verifying = verify.ok ? 'ok (NOT caught)' : `${verify.problems.length} problem(s)`;
    agentSide = `${forwarding}; ledger verify: ${verifying}`;
  } catch (error) {
    agentSide = `refused to start: ${isEdcError(error) ? error.code : String(error)}`;
  }
  // Firmware that skips the agent's own checks uploads the altered segment anyway.
  const segment = before
    .filter((e) => e.seq > ackSeq)
    .slice(0, 500)
    .map((e) => (e.seq === altered?.seq ? altered : e));
  const answer =
    altered === undefined ? { status: 0, code: undefined } : await uploadEntries(gatewayUrl, agent.keys, segment);
  const flag = await gatewayFlag(store, agent.keys.agentId, 'tampered');
  const refusedByAgent = !agentSide.includes('NOT caught');
  const caught =
    altered !== undefined &&
    refusedByAgent &&
    answer.status === 422 &&
    answer.code === 'EDC_ERR_UPLOAD_ENTRY_INVALID' &&
    flag.flagged &&
    flag.evidence > 0;
  return {
    result: {
      name: 'tamperedLedger',
      agentId: agent.keys.agentId,
      agentSide,
      gatewayStatus: answer.status,
      gatewayCode: answer.code,
      ...flag,
      caught,
    },
    ledgerBefore: before,
  };
}

export interface CloneInput {
  readonly victim: RigAgent;
  readonly savedSet: SignedEntitlementSet;
  readonly cards: readonly { pan: string; pin: string; kpmId: string; amount: number }[];
  readonly gatewayUrl: string;
  readonly gatewayPublicKey: string;
  readonly responseTimeoutMs: number;
}

/** (c) A second device with the victim's id and key and a fresh ledger, paying out under a captured set. */
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
  const outcomes: StepOutcome[] = [];
  let agentSide = '';
  let answer: { status: number; code: string | undefined } = { status: 0, code: undefined };
  try {
    await clone.core.installEntitlementSet(input.savedSet);
    const terminal = new RigTerminal(
      'EDC99901',
      'AGEN99999999999',
      { kind: 'tcp', host: clone.tcp!.host, port: clone.tcp!.port },
      input.responseTimeoutMs,
    );
    await terminal.open();
    for (const card of input.cards) {
      outcomes.push(
        await runStep(
          terminal,
          victim.index,
          { kind: 'withdraw', label: 'full', card, enteredPin: card.pin, amount: card.amount, fault: 'none' },
          'clone',
        ),
      );
    }
    await terminal.close();
    const entries = await clone.core.unacknowledged(500);
    if (entries.length > 0) answer = await uploadEntries(input.gatewayUrl, victim.keys, entries);
    const own = await clone.forwarder.syncNow();
    agentSide = own.ok
      ? 'clone forwarded (its own check did not catch it)'
      : `clone's forwarder stopped: ${own.error.code}${own.halted ? ' (halted)' : ''}`;
  } finally {
    await clone.stop();
  }
  const flag = await gatewayFlag(store, victim.keys.agentId, 'fork');
  const approved = outcomes.filter((o) => o.toldApproved).length;
  const caught =
    approved > 0 && answer.status === 409 && answer.code === 'EDC_ERR_UPLOAD_FORK' && flag.flagged && flag.evidence > 0;
  return {
    result: {
      name: 'clonedKey',
      agentId: victim.keys.agentId,
      agentSide: `${agentSide}; clone approved ${approved} withdrawal(s)`,
      gatewayStatus: answer.status,
      gatewayCode: answer.code,
      ...flag,
      caught,
    },
    outcomes,
  };
}
