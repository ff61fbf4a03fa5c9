/**
 * What the rig says while it runs: the phase, the terminal steps done out of those planned, the
 * approvals so far and the entries waiting to be forwarded over all agents. The rig calls the
 * callback after every step and at every phase change; the command line decides how (and how
 * often) to show it.
 */
import type { RigAgent } from './fleet.ts';

export type RigPhase = 'setup' | 'field' | 'drain' | 'attacks' | 'checks';

export interface RigProgress {
  readonly phase: RigPhase;
  /** What the phase is doing now, in a few words. */
  readonly detail: string;
  readonly steps: number;
  readonly stepsPlanned: number;
  readonly approved: number;
  /** Ledger entries not yet acknowledged by the gateway, over all agents. */
  readonly queued: number;
}

export type ProgressListener = (progress: RigProgress) => void;

export class ProgressTracker {
  private phase: RigPhase = 'setup';
  private detail = '';
  steps = 0;
  stepsPlanned = 0;
  approved = 0;

  constructor(
    private readonly listener: ProgressListener,
    private readonly fleet: () => readonly RigAgent[],
  ) {}

  enter(phase: RigPhase, detail: string): void {
    this.phase = phase;
    this.detail = detail;
    this.emit();
  }

  step(approved: boolean): void {
    this.steps++;
    if (approved) this.approved++;
    this.emit();
  }

  private emit(): void {
    let queued = 0;
    for (const agent of this.fleet()) {
      const core = agent.running?.core;
      if (core !== undefined) queued += core.head().seq - core.ackHead().seq;
    }
    this.listener({
      phase: this.phase,
      detail: this.detail,
      steps: this.steps,
      stepsPlanned: this.stepsPlanned,
      approved: this.approved,
      queued,
    });
  }
}
