/**
 * Flag parsing for every command: node:util parseArgs in strict mode, so an unknown flag, a
 * missing value or a stray positional is EDC_ERR_CLI_USAGE (exit 2) with one clear line.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ERR_CLI_USAGE } from './errors.ts';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export function parseFlags(
  command: string,
  argv: readonly string[],
  options: FlagSpec,
): Record<string, string | boolean | string[] | undefined> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (err) {
    throw new ERR_CLI_USAGE(
      `Opsi salah / Bad flags for \`edc-agent ${command}\`: ${(err as Error).message} ` +
        `(see edc-agent ${command} --help)`,
      { command },
    );
  }
}

export function requireString(command: string, values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new ERR_CLI_USAGE(
      `Opsi wajib tidak ada / \`edc-agent ${command}\` needs --${name} (see edc-agent ${command} --help)`,
      { command, flag: name },
    );
  }
  return value;
}

/** "PATH[:BAUD]": the baud is taken from a trailing ":digits" only, so paths may hold colons. */
export function parseSerialFlag(text: string): { path: string; baudRate: number } {
  const match = /^(.+?)(?::([0-9]+))?$/.exec(text);
  if (match === null || match[1] === undefined)
    throw new ERR_CLI_USAGE(`--serial expects PATH[:BAUD], found ${JSON.stringify(text)}`);
  return { path: match[1], baudRate: match[2] === undefined ? 9600 : Number(match[2]) };
}

export function parseTcpFlag(text: string): { host: string; port: number } {
  const match = /^(.+):([0-9]{1,5})$/.exec(text);
  if (match === null || match[1] === undefined || Number(match[2]) > 65535) {
    throw new ERR_CLI_USAGE(`--tcp expects HOST:PORT with a port 0..65535, found ${JSON.stringify(text)}`);
  }
  return { host: match[1], port: Number(match[2]) };
}

export function parseIntegerFlag(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ERR_CLI_USAGE(`--${name} expects an integer ${min}..${max}, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}
