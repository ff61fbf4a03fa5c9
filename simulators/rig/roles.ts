/**
 * Which agent plays which part. The first agent is the compromised one: its key is cloned onto a
 * second device, and its own device's firmware records double spends in its signed chain; the
 * second agent's ledger is altered on disk; every other agent is honest (so any rig of three
 * agents or more keeps at least one). A role is given only when its attack is switched on.
 */
import type { RigOptions } from './options.ts';

export type AgentRole = 'honest' | 'cloned' | 'tampered' | 'doubleSpender';

export const cloneVictimIndex = 0;
export const tamperVictimIndex = 1;
export const doubleSpenderIndex = 0;

export function roleOf(index: number, options: Pick<RigOptions, 'attacks'>): AgentRole {
  if (index === cloneVictimIndex && options.attacks.clone) return 'cloned';
  if (index === doubleSpenderIndex && options.attacks.doubleSpend) return 'doubleSpender';
  if (index === tamperVictimIndex && options.attacks.tamper) return 'tampered';
  return 'honest';
}
