/**
 * The soak's fault schedule: a list of faults with their start times (ms after the fault phase
 * began), a function of the seed alone. Each fault acts on one part: an agent process (SIGKILL or
 * SIGTERM then restart; a storage fault: restart with the fault-injecting storage armed to fail
 * or tear one of its next batch writes, then, once the agent has recovered from it, a SIGKILL and
 * a clean restart), the gateway process (SIGKILL or SIGTERM then restart), an agent's signal
 * (no signal, latency, duplicated or reordered traffic for a window) or an agent's wall clock
 * (a jump forward or back for a window, then set right).
 */
import { createPrng, mixSeed, tag } from '../common/prng.ts';
import type { SoakOptions } from './options.ts';

export const faultKinds = [
  'agentSigkill',
  'agentSigterm',
  'gatewaySigkill',
  'gatewaySigterm',
  'storageFail',
  'storageTorn',
  'signalDrop',
  'signalLatency',
  'signalDuplicate',
  'signalReorder',
  'clockForward',
  'clockBack',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface Fault {
  readonly atMs: number;
  readonly kind: FaultKind;
  /** The agent it acts on (0-based); 0 for the gateway's faults. */
  readonly agent: number;
  /** How long a window fault lasts, or the pause before a killed process is restarted, ms. */
  readonly durationMs: number;
  /** Clock jumps: the offset, ms; storage faults: the batch write (1-based) that fails; else 0. */
  readonly magnitude: number;
}

/** Relative weights: process faults and storage faults often, so that a short run sees each kind. */
const weights: Readonly<Record<FaultKind, number>> = {
  agentSigkill: 3,
  agentSigterm: 2,
  gatewaySigkill: 1,
  gatewaySigterm: 1,
  storageFail: 2,
  storageTorn: 2,
  signalDrop: 2,
  signalLatency: 1,
  signalDuplicate: 1,
  signalReorder: 1,
  clockForward: 1,
  clockBack: 1,
};

const minute = 60_000;

function pickKind(roll: number): FaultKind {
  const total = faultKinds.reduce((sum, kind) => sum + weights[kind], 0);
  let left = roll * total;
  for (const kind of faultKinds) {
    left -= weights[kind];
    if (left < 0) return kind;
  }
  return faultKinds[faultKinds.length - 1]!;
}

function magnitudeOf(kind: FaultKind, draw: (min: number, max: number) => number): number {
  if (kind === 'clockForward') return draw(10, 45) * minute;
  if (kind === 'clockBack') return -draw(10, 120) * minute;
  if (kind === 'storageFail' || kind === 'storageTorn') return draw(1, 12);
  return 0;
}

export function planFaults(options: SoakOptions): Fault[] {
  const prng = createPrng(mixSeed(options.seed, tag('soak-faults')));
  const phaseMs = Math.round(options.minutes * minute);
  const faults: Fault[] = [];
  // The first fault after a short quiet start (the agents sync their entitlement sets first).
  let at = prng.int(500, options.faultEveryMs);
  // The first faults go through every kind once, in a seeded order, so even a short run sees them all.
  const firsts = [...faultKinds];
  while (at < phaseMs) {
    const kind = firsts.length > 0 ? firsts.splice(prng.int(0, firsts.length - 1), 1)[0]! : pickKind(prng.next());
    const gateway = kind === 'gatewaySigkill' || kind === 'gatewaySigterm';
    faults.push({
      atMs: at,
      kind,
      agent: gateway ? 0 : prng.int(0, options.agents - 1),
      durationMs: gateway || kind.startsWith('agent') ? prng.int(100, 1_500) : prng.int(1_000, 8_000),
      magnitude: magnitudeOf(kind, (min, max) => prng.int(min, max)),
    });
    at += prng.int(Math.round(options.faultEveryMs / 2), Math.round(options.faultEveryMs * 1.5));
  }
  return faults;
}
