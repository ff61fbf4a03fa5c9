/** What an edc-sim command writes to and reads from: injectable so tests run commands in-process. */
import type { Readable } from 'node:stream';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Resolves when the user or the OS asks a long-running command (signal proxy, monitor) to stop. */
  readonly stopped: () => Promise<void>;
  /** What the interactive terminal reads typed lines from (default process.stdin). */
  readonly stdin?: Readable;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stopped: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
  stdin: process.stdin,
};
