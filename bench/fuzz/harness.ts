/**
 * The fuzzers' common runner: a fast-check property run for a number of cases from a seed, with
 * the figures a fuzz run is judged by: cases run, cases per second, outcome counts (what the code
 * under test answered: frames, coded errors, HTTP statuses), crashes (a throw that is not a typed
 * EdcError, an internal-error code, or a broken bound), hangs (a case slower than caseMsMax: the
 * inputs are a few KiB, so a second means a loop gone wrong), and the slowest case. A failure
 * names the seed and the case's path, which replay it exactly (`--seed S --replay PATH`).
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { isEdcError } from '../../protocol/errors.ts';

/** A case slower than this is counted as a hang. */
export const caseMsMax = 1_000;

export interface FuzzFailure {
  readonly message: string;
  /** The failing case's counterexample, as JSON-ish text (bytes as hex), cut to 2 000 characters. */
  readonly input: string;
  readonly seed: number;
  readonly path: string;
}

export interface FuzzFigures {
  readonly target: string;
  readonly seed: number;
  readonly cases: number;
  readonly elapsedMs: number;
  readonly casesPerSecond: number;
  readonly crashes: number;
  readonly hangs: number;
  readonly slowestCaseMs: number;
  /** The slowest case's input (as in a failure), to tell a slow input from a busy machine. */
  readonly slowestCase: string;
  readonly outcomes: Record<string, number>;
  readonly failure: FuzzFailure | undefined;
}

export interface FuzzRunOptions {
  readonly cases: number;
  readonly seed: number;
  /** Replays one case: the path printed with a failure. */
  readonly replay?: string;
  /** Called now and then with the cases run so far. */
  readonly onProgress?: (cases: number) => void;
}

/** Thrown by a check for a broken property (a bound, an oracle): counted as a crash. */
export class FuzzViolation extends Error {}

/** Outcome label of a thrown value, or a FuzzViolation when the throw is a crash. */
export function typedOutcome(error: unknown, internalCodes: readonly string[] = []): string {
  if (isEdcError(error) && !internalCodes.includes(error.code)) return error.code;
  if (isEdcError(error)) throw new FuzzViolation(`internal error ${error.code}: ${error.message}`);
  if (error instanceof FuzzViolation) throw error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  throw new FuzzViolation(`untyped throw: ${text}`);
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function describeInput(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? `hex:${hexOf(v)}` : v));
  return (text ?? String(value)).slice(0, 2_000);
}

interface Tally {
  cases: number;
  hangs: number;
  slowestCaseMs: number;
  slowestCase: unknown;
  failed: boolean;
  readonly outcomes: Record<string, number>;
}

function counted(tally: Tally, onProgress: ((cases: number) => void) | undefined) {
  return (input: unknown, outcomes: readonly string[], ms: number): void => {
    if (tally.failed) return; // shrinking re-runs smaller cases: they are not part of the figures
    tally.cases++;
    if (ms > tally.slowestCaseMs) {
      tally.slowestCaseMs = ms;
      tally.slowestCase = input;
    }
    if (ms > caseMsMax) tally.hangs++;
    for (const o of outcomes) tally.outcomes[o] = (tally.outcomes[o] ?? 0) + 1;
    if (onProgress !== undefined && tally.cases % 10_000 === 0) onProgress(tally.cases);
  };
}

/**
 * Runs `check` on `cases` inputs drawn from `arbitrary`. `check` returns the outcome labels of
 * one case and throws a FuzzViolation (or anything untyped) for a crash.
 */
export async function fuzz<T>(
  target: string,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => readonly string[] | Promise<readonly string[]>,
  options: FuzzRunOptions,
): Promise<FuzzFigures> {
  const tally: Tally = { cases: 0, hangs: 0, slowestCaseMs: 0, slowestCase: undefined, failed: false, outcomes: {} };
  const record = counted(tally, options.onProgress);
  const property = fc.asyncProperty(arbitrary, async (input) => {
    const start = performance.now();
    try {
      record(input, await check(input), performance.now() - start);
    } catch (error) {
      tally.failed = true;
      throw error;
    }
  });
  const started = performance.now();
  const details = await fc.check(property, {
    numRuns: options.replay === undefined ? options.cases : 1,
    seed: options.seed,
    ...(options.replay === undefined ? {} : { path: options.replay }),
    // Shrinking a 1M-case run's failure can take long; a bounded shrink still gives a small case.
    endOnFailure: false,
    maxSkipsPerRun: 0,
  });
  const elapsedMs = performance.now() - started;
  const failure: FuzzFailure | undefined = details.failed
    ? {
        message: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        input: describeInput(details.counterexample?.[0]),
        seed: details.seed,
        path: details.counterexamplePath ?? '',
      }
    : undefined;
  return {
    target,
    seed: options.seed,
    cases: tally.cases,
    elapsedMs: Math.round(elapsedMs),
    casesPerSecond: Math.round((tally.cases * 1000) / Math.max(1, elapsedMs)),
    crashes: failure === undefined ? 0 : 1,
    hangs: tally.hangs,
    slowestCaseMs: Math.round(tally.slowestCaseMs * 100) / 100,
    slowestCase: describeInput(tally.slowestCase).slice(0, 300),
    outcomes: Object.fromEntries(Object.entries(tally.outcomes).sort(([a], [b]) => (a < b ? -1 : 1))),
    failure,
  };
}
