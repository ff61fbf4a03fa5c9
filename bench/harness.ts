/**
 * Shared benchmark helpers: every figure is the median of repeated runs with min and max, and is
 * reported beside a baseline measured in the same process (or the same run), as a ratio.
 *
 * Common CLI of every bench/<name>.ts: `npx tsx bench/<name>.ts [--quick]`. --quick (or
 * BENCH_QUICK=1) picks small sizes for a run of seconds; BENCH_TINY=1 picks even smaller ones,
 * for the CI test that only checks each script still runs and writes its figures.
 * Results go to bench/results/<name>.json (BENCH_RESULTS_DIR overrides the folder).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  /** Name of the baseline figure this one is compared with, and the ratio median / baseline median. */
  readonly baseline?: string;
  readonly ratio?: number;
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly node: string;
  readonly at: string;
  readonly mode: Mode;
  readonly wallSeconds: number;
  /** Peak resident set of the benchmark process (getrusage maxrss). */
  readonly processPeakRssMiB: number;
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
}

export type Mode = 'full' | 'quick' | 'tiny';

export function mode(): Mode {
  if (process.env.BENCH_TINY === '1') return 'tiny';
  return process.argv.includes('--quick') || process.env.BENCH_QUICK === '1' ? 'quick' : 'full';
}

export function quick(): boolean {
  return mode() !== 'full';
}

/** Picks the size for the current mode. */
export function sized<T>(full: T, quickSize: T, tiny: T = quickSize): T {
  const m = mode();
  return m === 'full' ? full : m === 'quick' ? quickSize : tiny;
}

export function summarize(name: string, unit: string, samples: readonly number[]): Figure {
  if (samples.length === 0) throw new Error(`bench: no samples for ${name}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { name, unit, median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

export function against(figure: Figure, baseline: Figure): Figure {
  return { ...figure, baseline: baseline.name, ratio: figure.median / baseline.median };
}

/** Runs `fn` (which performs `ops` operations) `repeats` times and returns ops per second samples. */
export function opsPerSecond(repeats: number, ops: number, fn: () => void): number[] {
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    fn();
    samples.push((ops / (performance.now() - start)) * 1000);
  }
  return samples;
}

export function percentile(sortedAscending: readonly number[], p: number): number {
  return sortedAscending[Math.min(sortedAscending.length - 1, Math.floor(sortedAscending.length * p))]!;
}

/** Peak RSS of a child process so far (VmHWM), in MiB; undefined when /proc is not readable. */
export function childPeakRssMiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples this process's RSS every 20 ms between start and stop: the peak of one phase. */
export class RssSampler {
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;

  start(): this {
    this.#peak = process.memoryUsage.rss();
    this.#timer = setInterval(() => this.#sample(), 20);
    return this;
  }

  stopMiB(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peak / 2 ** 20;
  }

  #sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
  }
}

const fmt = (n: number): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

export function printTable(title: string, figures: readonly Figure[]): void {
  console.log(`\n${title}`);
  console.log('| figure | median | min | max | unit | runs | vs baseline |');
  console.log('|---|---:|---:|---:|---|---:|---|');
  for (const f of figures) {
    const vs = f.baseline === undefined ? '' : `${f.ratio!.toFixed(3)}x ${f.baseline}`;
    console.log(`| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)} | ${fmt(f.max)} | ${f.unit} | ${f.runs} | ${vs} |`);
  }
}

/** Where results are written: bench/results, or BENCH_RESULTS_DIR (the CI test uses a temp folder). */
export function resultsDir(): string {
  return process.env.BENCH_RESULTS_DIR ?? 'bench/results';
}

export function writeResults(result: BenchResult): string {
  mkdirSync(resultsDir(), { recursive: true });
  const path = `${resultsDir()}/${result.name}.json`;
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

const startedAt = performance.now();

/** Prints the table and writes bench/results/<name>.json with the process's peak RSS. */
export function finish(name: string, title: string, figures: readonly Figure[], notes: readonly string[] = []): void {
  const result: BenchResult = {
    name,
    title,
    node: process.version,
    at: new Date().toISOString(),
    mode: mode(),
    wallSeconds: (performance.now() - startedAt) / 1000,
    processPeakRssMiB: process.resourceUsage().maxRSS / 1024,
    figures,
    notes,
  };
  printTable(`${title} [${result.mode}]`, figures);
  for (const note of notes) console.log(`note: ${note}`);
  console.log(
    `wrote ${writeResults(result)} ` +
      `(${result.wallSeconds.toFixed(1)} s, peak RSS ${result.processPeakRssMiB.toFixed(0)} MiB)`,
  );
}
