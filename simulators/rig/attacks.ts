/**
 * What every injected attack reports. An attack is caught only by the detection it is meant to
 * trigger (the `expected` line says which), never by a failure of something else: a gateway
 * that could not be reached, or an agent that could not reach it, catches nothing.
 */
import type { GatewayStore } from '../../gateway/store/types.ts';
import type { LedgerEntry } from '../../protocol/messages/index.ts';

export type AttackName =
  'cardAtOtherAgent' | 'clonedCardConcurrent' | 'tamperedLedger' | 'clonedKey' | 'doubleSpendUpload';

export interface AttackResult {
  readonly name: AttackName;
  readonly agentId: string;
  /** What the detection must show for the attack to count as caught. */
  readonly expected: string;
  /** What the attacked device itself did (its own checks). */
  readonly agentSide: string;
  /** The gateway's answer to the attacker's upload: HTTP status (0 = no answer) and error code. */
  readonly gatewayStatus: number;
  readonly gatewayCode: string | undefined;
  readonly flagged: boolean;
  /** Evidence records (or classified withdrawals) that name the attacker's entries. */
  readonly evidence: number;
  readonly caught: boolean;
}

/** Whether the gateway flagged the agent for `kind`, and how many evidence records of that kind match `names`. */
export async function gatewayFlag(
  store: GatewayStore,
  agentId: string,
  kind: 'fork' | 'tampered',
  names: (found: LedgerEntry) => boolean,
): Promise<{ flagged: boolean; evidence: number }> {
  const record = await store.getAgent(agentId);
  const evidence = (await store.evidence(agentId, 1000)).filter((e) => e.kind === kind && names(e.found)).length;
  return { flagged: record?.flagged === true && record.flags.some((f) => f.kind === kind), evidence };
}
