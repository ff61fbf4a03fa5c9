/**
 * Shared parts of the agent child processes the fault and crash tests spawn (failed-round-child.ts,
 * stall-child.ts, ../crash/agent-child.ts): the state file a test writes for its child, and the
 * STALLED point a child waits at to be killed. Runs in the child (plain node with tsx): no vitest here.
 */
import { readFile } from 'node:fs/promises';
import type { AgentCore } from '../../../agent/core/index.ts';
import type { IsoMessage } from '../../../protocol/iso8583/index.ts';
import type { SignedEntitlementSet } from '../../../protocol/messages/index.ts';
import { withdrawal } from '../core/fixtures.ts';

export interface ChildState {
  dir: string;
  agentId: string;
  seed: string;
  gatewayPublicKey: string;
  set: SignedEntitlementSet;
}

/** A child that sends withdrawals: built with the fixtures' withdrawal() (JSON would lose field 55's bytes). */
export interface RequestsState extends ChildState {
  requests: Array<{ pan: string; amount: number; stan: string }>;
}

/** The state file named by the first argument. */
export async function readChildState<T extends ChildState = ChildState>(): Promise<T> {
  return JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as T;
}

/** The MODE argument (the second), which must be one of `modes`. */
export function readMode(modes: readonly string[]): string {
  const mode = process.argv[3];
  if (mode === undefined || !modes.includes(mode)) throw new Error(`unknown mode ${String(mode)}`);
  return mode;
}

/** The core's identity options out of the state: spread into openAgentCore's options. */
export function coreIdentity(state: ChildState): Pick<ChildState, 'dir' | 'agentId' | 'seed' | 'gatewayPublicKey'> {
  return { dir: state.dir, agentId: state.agentId, seed: state.seed, gatewayPublicKey: state.gatewayPublicKey };
}

/** Prints STALLED and never resolves: the child waits here to be killed. */
export function stall(): Promise<never> {
  process.stdout.write('STALLED\n');
  return new Promise<never>(() => undefined);
}

/** Sends the first request alone and prints `HEARD <stan> <code>`; returns the others, not yet sent. */
export async function approveFirst(core: AgentCore, state: RequestsState): Promise<IsoMessage[]> {
  const [first, ...rest] = state.requests.map((r) => withdrawal(r.pan, r.amount, { 11: r.stan }));
  const answer = await core.handle(first!);
  process.stdout.write(`HEARD ${String(answer.fields[11])} ${String(answer.fields[39])}\n`);
  return rest;
}
