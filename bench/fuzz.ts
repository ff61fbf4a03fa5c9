/**
 * npm run fuzz -- [--cases N] [--seed S] [--target serial,tcp,iso8583,http] [--replay PATH] [--json FILE]
 *
 * Runs the fuzzers (bench/fuzz/) at their full counts (1M cases per decoder, 100k HTTP requests)
 * or N cases each, from seed S (default: drawn and printed), and prints per target the cases,
 * cases per second, crashes, hangs, the slowest case and what the code answered. A failure
 * prints its seed and path: `--target T --seed S --replay PATH` runs exactly that case again.
 * Exit status 0 when every target ran clean, 1 on a crash or hang, 2 on a usage error.
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FuzzFigures } from './fuzz/harness.ts';
import { fuzzTargets, type FuzzTarget } from './fuzz/targets.ts';

interface FuzzArgs {
  readonly cases: number | undefined;
  readonly seed: number;
  readonly targets: readonly FuzzTarget[];
  readonly replay: string | undefined;
  readonly json: string | undefined;
}

function usage(message: string): never {
  process.stderr.write(
    `fuzz: ${message}\n` +
      '(usage: npm run fuzz -- [--cases N] [--seed S] [--target T,...] [--replay PATH] [--json FILE])\n',
  );
  process.exit(2);
}

function integer(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max)
    usage(`--${name}: expected an integer ${min}..${max}, found ${text}`);
  return Number(text);
}

function parse(argv: readonly string[]): FuzzArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        cases: { type: 'string' },
        seed: { type: 'string' },
        target: { type: 'string' },
        replay: { type: 'string' },
        json: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  const names = values.target?.split(',') ?? fuzzTargets.map((t) => t.name);
  const targets = names.map(
    (n) =>
      fuzzTargets.find((t) => t.name === n) ??
      usage(`--target: unknown ${n}, expected ${fuzzTargets.map((t) => t.name).join(', ')}`),
  );
  if (values.replay !== undefined && (targets.length !== 1 || values.seed === undefined))
    usage('--replay needs one --target and the --seed the failure printed');
  return {
    cases: integer(values.cases, 'cases', 1, 100_000_000),
    seed: integer(values.seed, 'seed', 0, 0x7fffffff) ?? randomInt(0x7fffffff),
    targets,
    replay: values.replay,
    json: values.json,
  };
}

const n = (x: number): string => x.toLocaleString('en-US');

function print(f: FuzzFigures): void {
  const outcomes = Object.entries(f.outcomes)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  process.stdout.write(
    `${f.target}: ${n(f.cases)} cases in ${(f.elapsedMs / 1000).toFixed(1)} s (${n(f.casesPerSecond)}/s), ` +
      `crashes ${f.crashes}, hangs ${f.hangs}, slowest case ${f.slowestCaseMs} ms\n  outcomes: ${outcomes}\n`,
  );
  if (f.hangs > 0) process.stdout.write(`  slowest case: ${f.slowestCase}\n`);
  if (f.failure !== undefined)
    process.stdout.write(
      `  FAILED: ${f.failure.message}\n  input: ${f.failure.input}\n` +
        `  replay: npm run fuzz -- --target ${f.target} --seed ${f.failure.seed} --replay ${f.failure.path}\n`,
    );
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  // The decoders report every bad byte run as an EdcError: their stack traces, never read here,
  // would cost most of a case's time. Messages and codes are kept.
  Error.stackTraceLimit = 0;
  process.stdout.write(`fuzz: seed ${args.seed}${args.replay === undefined ? '' : `, replaying ${args.replay}`}\n`);
  const all: FuzzFigures[] = [];
  for (const target of args.targets) {
    const cases = args.cases ?? target.fullCases;
    process.stderr.write(`fuzz: ${target.name}: ${n(cases)} cases: ${target.what}\n`);
    const figures = await target.run({
      cases,
      seed: args.seed,
      ...(args.replay === undefined ? {} : { replay: args.replay }),
      onProgress: (done) => process.stderr.write(`fuzz: ${target.name}: ${n(done)}/${n(cases)}\n`),
    });
    print(figures);
    all.push(figures);
  }
  if (args.json !== undefined)
    writeFileSync(args.json, JSON.stringify({ seed: args.seed, targets: all }, null, 2) + '\n');
  return all.every((f) => f.crashes === 0 && f.hangs === 0) ? 0 : 1;
}

process.exitCode = await main();
