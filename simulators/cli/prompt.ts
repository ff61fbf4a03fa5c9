/**
 * Prompts of the interactive terminal. On a terminal (stdin and stderr both TTYs) each prompt is
 * read with the `read` package, and a secret (the PIN) shows one '*' per character typed, as an
 * EDC's PIN pad does. From a pipe or a file nothing is echoed, so there is nothing to mask: lines
 * are taken from one readline interface's own queue, because rl.question() drops lines that
 * arrive before it is called (piped or pasted input). End of input, Ctrl-D and Ctrl-C answer
 * undefined, which ends the session.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { read } from 'read';
import type { Io } from './io.ts';

export interface Asker {
  /** The line typed, trimmed; undefined at the end of input. */
  readonly ask: (prompt: string) => Promise<string | undefined>;
  /** The same, with each character typed shown as '*' on a terminal. */
  readonly askSecret: (prompt: string) => Promise<string | undefined>;
  readonly close: () => void;
}

interface TtyInput extends Readable {
  readonly isTTY?: boolean;
}

function pipedAsker(input: Readable, io: Io): Asker {
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | undefined> => {
    io.err(prompt);
    const next = await lines.next();
    return next.done === true ? undefined : String(next.value).trim();
  };
  return { ask, askSecret: ask, close: () => rl.close() };
}

/**
 * `read` resolves on Enter and rejects on Ctrl-C, but a Ctrl-D closes its readline without an
 * answer; the keypress readline emits on the input for it ends the prompt instead.
 */
async function ttyRead(input: TtyInput, prompt: string, secret: boolean): Promise<string | undefined> {
  let onKey: ((text: unknown, key: { ctrl?: boolean; name?: string } | undefined) => void) | undefined;
  const endOfInput = new Promise<undefined>((resolve) => {
    onKey = (_text, key) => {
      if (key?.ctrl === true && key.name === 'd') resolve(undefined);
    };
    input.on('keypress', onKey);
  });
  try {
    const answer = await Promise.race([
      read({ prompt, input, output: process.stderr, silent: secret, ...(secret ? { replace: '*' } : {}) }),
      endOfInput,
    ]);
    return answer?.trim();
  } catch {
    return undefined; // Ctrl-C
  } finally {
    input.off('keypress', onKey!);
  }
}

export function createAsker(io: Io, input: Readable): Asker {
  const tty = input as TtyInput;
  if (tty.isTTY !== true || process.stderr.isTTY !== true) return pipedAsker(input, io);
  return {
    ask: (prompt) => ttyRead(tty, prompt, false),
    askSecret: (prompt) => ttyRead(tty, prompt, true),
    close: () => input.pause(),
  };
}
