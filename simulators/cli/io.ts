/** What an edc-sim command writes to and reads from: injectable so tests run commands in-process. */
import type { Readable } from 'node:stream';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stderr is a terminal: long commands (the rig) keep a status line there. */
  readonly errIsTty?: boolean;
  /** Resolves when the user or the OS asks a long-running command (signal proxy, monitor) to stop. */
  readonly stopped: () => Promise<void>;
  /** What the interactive terminal reads typed lines from (default process.stdin). */
  readonly stdin?: Readable;
}

const stopRequests: Array<() => void> = [];
let stdoutGone = false;
let watching = false;

/**
 * When the reader of stdout goes away (`edc-sim monitor ... | head`), writing fails with EPIPE:
 * printing stops and a long-running command is asked to stop as on SIGINT, instead of dying on
 * an unhandled stream error.
 */
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutGone = true;
    for (const stop of stopRequests.splice(0)) stop();
  });
}

export const processIo: Io = {
  out: (text) => {
    watchStdout();
    if (!stdoutGone) process.stdout.write(text);
  },
  err: (text) => void process.stderr.write(text),
  errIsTty: process.stderr.isTTY === true,
  stopped: () =>
    new Promise((resolve) => {
      watchStdout();
      stopRequests.push(resolve);
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
  stdin: process.stdin,
};
