/**
 * Which agent plays which part. The first agent's key is cloned, the second's ledger is altered on
 * disk, the third's firmware records double spends in its own signed chain; every other agent is
 * honest. A role is given only when its attack is switched on.
 */
import type { RigOptions } from './options.ts';

export type AgentRole = 'honest' | 'cloned' | 'tampered' | 'doubleSpender';

export const cloneVictimIndex = 0;
export const tamperVictimIndex = 1;
export const doubleSpenderIndex = 2;

export function roleOf(index: number, options: Pick<RigOptions, 'attacks'>): AgentRole {
  if (index === cloneVictimIndex && options.attacks.clone) return 'cloned';
  if (index === tamperVictimIndex && options.attacks.tamper) return 'tampered';
  if (index === doubleSpenderIndex && options.attacks.doubleSpend) return 'doubleSpender';
  return 'honest';
}
