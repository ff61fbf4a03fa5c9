/**
 * The tampered ledger: the agent is stopped, one withdrawal of its real upload queue has its
 * amount raised on disk (hash and signature kept, as a dishonest operator would), and the agent
 * is started again with its signal back. Two defences must each catch it by their own check:
 * the agent's forwarder uploads the intact entries before it and then halts with
 * EDC_ERR_LEDGER_CORRUPT (its ledger verification names the entry), and the same segment sent
 * anyway with the agent's key (firmware that skips the agent's checks) is refused by the gateway
 * with 422 EDC_ERR_UPLOAD_ENTRY_INVALID, which flags the agent and keeps the altered entry as
 * evidence of kind tampered. The target lies within one upload of the acknowledged cursor, so
 * the segment sent from the gateway's head always carries it, however long the queue.
 */
import { ClassicLevel } from 'classic-level';
import { isEdcError } from '../../protocol/errors.ts';
import { uploadEntriesMax, type LedgerEntry } from '../../protocol/messages/index.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { gatewayFlag, type AttackResult } from './attacks.ts';
import { drainPassesMax, startRigAgent, type RigAgent } from './fleet.ts';
import { uploadEntries } from './signed-client.ts';

export interface TamperInput {
  readonly victim: RigAgent;
  /** Where the attacker's own upload goes: the gateway (a test points it at nothing). */
  readonly gatewayUrl: string;
  /** false: the village gets no signal back, so the agent cannot reach the gateway (test). */
  readonly signalBack: boolean;
}

interface Altered {
  readonly before: LedgerEntry[];
  readonly ackSeq: number;
  readonly altered: LedgerEntry | undefined;
}

/** The withdrawal to alter: the middle one of those one upload from the acknowledged cursor carries. */
export function pickTamperTarget(entries: readonly LedgerEntry[], ackSeq: number): LedgerEntry | undefined {
  const reach = entries.filter((e) => e.seq > ackSeq).slice(0, uploadEntriesMax);
  const candidates = reach.filter((e) => e.kind === 'withdrawal');
  return candidates[Math.floor(candidates.length / 2)];
}

/** Reads every ledger entry and the acknowledged seq straight from a stopped agent's LevelDB, and alters one. */
async function alterLedger(ledgerDir: string): Promise<Altered> {
  const root = new ClassicLevel<string, unknown>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  await root.open();
  try {
    const entries = root.sublevel<string, unknown>('entries', { keyEncoding: 'utf8', valueEncoding: 'json' });
    const meta = root.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
    const before = (await entries.values().all()) as LedgerEntry[];
    const ackSeq = ((await meta.get('ack')) as { seq: number } | undefined)?.seq ?? 0;
    const target = pickTamperTarget(before, ackSeq);
    if (target === undefined) return { before, ackSeq, altered: undefined };
    // What a dishonest operator would do: claim more cash paid than was, keeping hash and signature.
    const altered = { ...target, amount: target.amount + 100_000 };
    await entries.put(String(target.seq).padStart(16, '0'), altered);
    return { before, ackSeq, altered };
  } finally {
    await root.close();
  }
}

/** Forwarding passes until the forwarder halts or has nothing left; returns what stopped it. */
async function passesUntilStopped(victim: RigAgent): Promise<string> {
  const running = victim.running!;
  let last = 'no pass';
  for (let pass = 1; pass <= drainPassesMax; pass++) {
    const outcome = await running.forwarder.syncNow();
    if (!outcome.ok && outcome.halted) return outcome.error.code;
    if (outcome.ok && !outcome.more && running.core.ackHead().seq === running.core.head().seq) return 'drained';
    last = outcome.ok ? 'ok' : outcome.error.code;
  }
  return `no halt in ${drainPassesMax} passes (last: ${last})`;
}

/** The agent's own defence: started on the altered ledger, does its forwarder halt on it, by its own check? */
async function agentDefence(input: TamperInput, ackSeq: number): Promise<{ side: string; caught: boolean }> {
  const { victim } = input;
  try {
    await startRigAgent(victim);
  } catch (error) {
    const code = isEdcError(error) ? error.code : 'an uncoded error';
    return { side: `refused to start: ${code}`, caught: code === 'EDC_ERR_LEDGER_CORRUPT' };
  }
  if (input.signalBack) victim.proxy.setOnline(true);
  const stoppedBy = await passesUntilStopped(victim);
  const verify = await victim.running!.core.verifyLedger();
  const uploaded = victim.running!.core.ackHead().seq - ackSeq;
  return {
    side:
      `forwarder stopped by ${stoppedBy} after uploading ${uploaded} intact entries;` +
      ` ledger verify: ${verify.ok ? 'ok' : `${verify.problems.length} problem(s)`}`,
    caught: stoppedBy === 'EDC_ERR_LEDGER_CORRUPT' && !verify.ok,
  };
}

export async function tamperAttack(
  input: TamperInput,
  store: GatewayStore,
): Promise<{ result: AttackResult; ledgerBefore: LedgerEntry[] }> {
  const { victim } = input;
  await victim.running?.stop();
  victim.running = undefined;
  const { before, ackSeq, altered } = await alterLedger(victim.config.ledgerDir);
  const agent = await agentDefence(input, ackSeq);
  // Firmware that skips the agent's checks sends what the gateway lacks, from its head on.
  const head = await store.head(victim.keys.agentId);
  const segment = before
    .filter((e) => e.seq > head.seq)
    .slice(0, uploadEntriesMax)
    .map((e) => (e.seq === altered?.seq ? altered : e));
  const carried = altered !== undefined && segment.some((e) => e.seq === altered.seq);
  const answer = carried ? await uploadEntries(input.gatewayUrl, victim.keys, segment) : { status: 0, code: undefined };
  const flag = await gatewayFlag(
    store,
    victim.keys.agentId,
    'tampered',
    (found) => found.seq === altered?.seq && found.amount === altered.amount,
  );
  const gatewayCaught =
    answer.status === 422 && answer.code === 'EDC_ERR_UPLOAD_ENTRY_INVALID' && flag.flagged && flag.evidence > 0;
  const target = altered === undefined ? 'no unacknowledged withdrawal to alter' : `seq ${altered.seq} altered`;
  return {
    result: {
      name: 'tamperedLedger',
      agentId: victim.keys.agentId,
      expected:
        'agent halts with EDC_ERR_LEDGER_CORRUPT; gateway 422 EDC_ERR_UPLOAD_ENTRY_INVALID, flag and evidence' +
        ' of kind tampered naming the altered entry',
      agentSide: `${target}; ${agent.side}`,
      gatewayStatus: answer.status,
      gatewayCode: answer.code,
      ...flag,
      caught: carried && agent.caught && gatewayCaught,
    },
    ledgerBefore: before,
  };
}
