/** What an edc-sim command writes to: injectable so tests run commands in-process. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stderr is a terminal: long commands (the rig) keep a status line there. */
  readonly errIsTty?: boolean;
  /** Resolves when the user or the OS asks the long-running command (signal proxy) to stop. */
  readonly stopped: () => Promise<void>;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  errIsTty: process.stderr.isTTY === true,
  stopped: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};
