/**
 * How `edc-sim rig` shows its progress on stderr: on a terminal, one status line rewritten in
 * place (phase, steps, approvals, entries queued for the gateway, elapsed time), at most every
 * statusLineEveryMs; otherwise, when asked (--progress, or always for demo), one line per phase
 * and one per tenth of the terminal steps, so that a log file stays short.
 */
import type { RigProgress } from '../rig/index.ts';

export const statusLineEveryMs = 100;

export function formatProgress(p: RigProgress, elapsedMs: number): string {
  const seconds = (elapsedMs / 1000).toFixed(1).padStart(5);
  const steps = p.stepsPlanned > 0 ? `, ${p.steps}/${p.stepsPlanned} steps` : '';
  return (
    `[${seconds} s] ${p.phase}: ${p.detail}${steps}, ${p.approved} approved,` + ` ${p.queued} queued for the gateway`
  );
}

export interface ProgressDisplay {
  readonly listener: (p: RigProgress) => void;
  /** Ends the status line once (a TTY keeps the last state visible above the summary). */
  readonly end: () => void;
}

export function progressDisplay(
  write: (text: string) => void,
  mode: 'status-line' | 'lines' | 'quiet',
  now: () => number = Date.now,
): ProgressDisplay {
  const startedAt = now();
  if (mode === 'quiet') return { listener: () => undefined, end: () => undefined };
  if (mode === 'status-line') {
    let shownAt = -Infinity;
    let last: RigProgress | undefined;
    const show = (p: RigProgress): void => write(`\r\x1b[2K${formatProgress(p, now() - startedAt)}`);
    return {
      listener: (p) => {
        last = p;
        if (now() - shownAt < statusLineEveryMs) return;
        shownAt = now();
        show(p);
      },
      end: () => {
        if (last === undefined) return;
        show(last);
        write('\n');
        last = undefined; // ended once; the listener would start a new line
      },
    };
  }
  let phase = '';
  let tenth = -1;
  return {
    listener: (p) => {
      const nowTenth = p.stepsPlanned > 0 ? Math.floor((p.steps * 10) / p.stepsPlanned) : 0;
      const key = `${p.phase}: ${p.detail}`;
      if (key === phase && nowTenth === tenth) return;
      phase = key;
      tenth = nowTenth;
      write(formatProgress(p, now() - startedAt) + '\n');
    },
    end: () => undefined,
  };
}
