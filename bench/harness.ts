/**
 * Shared benchmark helpers: every figure is the median of repeated runs with min and max, and is
 * reported beside a baseline measured in the same process, as a ratio.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
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

export function summarize(name: string, unit: string, samples: readonly number[]): Figure {
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

export function quick(): boolean {
  return process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
}

export function printTable(title: string, figures: readonly Figure[]): void {
  const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  console.log(`\n${title}`);
  console.log('| figure | median | min | max | unit | runs | vs baseline |');
  console.log('|---|---:|---:|---:|---|---:|---|');
  for (const f of figures) {
    const vs = f.baseline === undefined ? '' : `${f.ratio!.toFixed(3)}x ${f.baseline}`;
    console.log(`| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)} | ${fmt(f.max)} | ${f.unit} | ${f.runs} | ${vs} |`);
  }
}

export function writeResults(name: string, figures: readonly Figure[]): string {
  mkdirSync('bench/results', { recursive: true });
  const path = `bench/results/${name}.json`;
  writeFileSync(path, `${JSON.stringify({ name, node: process.version, at: new Date().toISOString(), figures }, null, 2)}\n`);
  return path;
}
