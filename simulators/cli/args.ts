/** Strict flag parsing for edc-sim: node:util parseArgs, every problem one EDC_ERR_SIM_USAGE. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERR_SIM_USAGE } from '../errors.ts';

export interface CommandSpec {
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
}

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parse(spec: CommandSpec, argv: readonly string[]): Values | 'help' {
  let result;
  try {
    result = parseArgs({
      args: [...argv],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (cause) {
    throw new ERR_SIM_USAGE(`${(cause as Error).message} (see --help)`, {}, cause);
  }
  return result.values.help === true ? 'help' : result.values;
}

export function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function required(values: Values, name: string): string {
  const value = str(values, name);
  if (value === undefined || value === '') throw new ERR_SIM_USAGE(`Missing --${name} (see --help)`);
  return value;
}

export function int(values: Values, name: string, min: number, max: number): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new ERR_SIM_USAGE(`--${name}: expected an integer in ${min}..${max}, found ${text}`);
  return Number(text);
}

export function rate(values: Values, name: string): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]*\.?[0-9]+$/.test(text) || !(value >= 0 && value <= 1))
    throw new ERR_SIM_USAGE(`--${name}: expected a rate in 0..1, found ${text}`);
  return value;
}

/** "A-B" with integers A <= B. */
export function range(text: string, name: string): { min: number; max: number } {
  const match = /^([0-9]+)-([0-9]+)$/.exec(text);
  if (match === null || Number(match[1]) > Number(match[2]))
    throw new ERR_SIM_USAGE(`--${name}: expected FROM-TO in ms with FROM <= TO, found ${text}`);
  return { min: Number(match[1]), max: Number(match[2]) };
}

export function oneOf<T extends string>(text: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new ERR_SIM_USAGE(`--${name}: expected one of ${allowed.join(', ')}, found ${text}`);
  return text as T;
}

export function hostPort(text: string, name: string): { host: string; port: number } {
  const match = /^(.+):([0-9]{1,5})$/.exec(text);
  if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535)
    throw new ERR_SIM_USAGE(`--${name}: expected HOST:PORT, found ${text}`);
  return { host: match[1]!, port: Number(match[2]) };
}

export function requiredInt(values: Values, name: string, min: number, max: number): number {
  return int(values, name, min, max) ?? Number(required(values, name));
}
