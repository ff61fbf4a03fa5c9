/** What a CLI command writes to and reads from: injectable so tests run commands in-process. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERR_CLI_USAGE, ERR_OUTPUT } from '../errors.ts';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress lines only then). */
  readonly errIsTty: boolean;
  readonly now: () => number;
}

/**
 * stdout's state in the real process. A reader that goes away (`edc-gateway report | head`) makes
 * the next write fail with EPIPE; like a Unix tool the command then stops quietly (status 0).
 * Any other write error (a full disk behind `> report.csv`) means the output is incomplete: one
 * coded line on stderr and status 1.
 */
const output = { closed: false, failed: false };

/** Thrown by processIo.out once stdout is closed: runCli ends the command without a message. */
export class OutputClosed extends Error {
  constructor() {
    super('stdout is closed');
  }
}

export function outputFailed(): boolean {
  return output.failed;
}

/** Installs the stdout/stderr error handlers (the entry point calls it once; tests use their own io). */
export function watchProcessOutput(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (output.closed) return;
    output.closed = true;
    if (error.code === 'EPIPE') return;
    output.failed = true;
    process.exitCode = 1;
    process.stderr.write(
      `edc-gateway: ${ERR_OUTPUT.code}: Keluaran tidak dapat ditulis, hasilnya tidak lengkap / ` +
        `Cannot write the output, it is incomplete: ${error.message}\n`,
    );
  });
  // Nowhere is left to report a failure of stderr itself.
  process.stderr.on('error', () => undefined);
}

export const processIo: CliIo = {
  out: (text) => {
    if (output.closed) throw new OutputClosed();
    process.stdout.write(text);
  },
  err: (text) => void process.stderr.write(text),
  errIsTty: process.stderr.isTTY,
  now: Date.now,
};

export interface CommandSpec {
  /** The command's words, e.g. "agents add" (for "see edc-gateway agents add --help"). */
  readonly name: string;
  /** Help text: the synopsis line, then Bahasa Indonesia / English. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly positionals?: number;
}

export type Parsed =
  { help: true } | { help: false; values: Record<string, string | boolean | undefined>; positionals: string[] };

/** A usage error: Bahasa Indonesia / English on one line, pointing at the command's --help. */
export function usageError(id: string, en: string, spec?: CommandSpec): Error {
  const see = spec === undefined ? 'edc-gateway --help' : `edc-gateway ${spec.name} --help`;
  return new ERR_CLI_USAGE(`${id} / ${en} (lihat / see ${see})`);
}

const parseArgsProblems: Readonly<Record<string, string>> = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: 'Opsi tidak dikenal',
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: 'Nilai opsi tidak sah',
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: 'Argumen tidak diharapkan',
};

/** node:util parseArgs in strict mode; any problem becomes EDC_ERR_CLI_USAGE (exit status 2). */
export function parse(spec: CommandSpec, argv: readonly string[]): Parsed {
  let result;
  try {
    result = parseArgs({
      args: [...argv],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: (spec.positionals ?? 0) > 0,
    });
  } catch (cause) {
    const { code, message } = cause as NodeJS.ErrnoException;
    throw usageError(parseArgsProblems[code ?? ''] ?? 'Opsi salah', message.split('. ')[0] ?? message, spec);
  }
  if (result.values.help === true) return { help: true };
  const expected = spec.positionals ?? 0;
  if (result.positionals.length !== expected) {
    throw usageError(
      `Diharapkan ${expected} argumen, ditemukan ${result.positionals.length}`,
      `Expected ${expected} argument(s), found ${result.positionals.length}`,
      spec,
    );
  }
  return { help: false, values: result.values, positionals: result.positionals };
}

export function required(
  values: Record<string, string | boolean | undefined>,
  name: string,
  spec: CommandSpec,
): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '')
    throw usageError(`Opsi --${name} wajib diisi`, `Missing --${name}`, spec);
  return value;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], name: string, spec?: CommandSpec): T {
  if (!(allowed as readonly string[]).includes(value))
    throw usageError(
      `--${name} harus salah satu dari ${allowed.join(', ')}`,
      `--${name}: expected one of ${allowed.join(', ')}, found ${JSON.stringify(value.slice(0, 40))}`,
      spec,
    );
  return value as T;
}
