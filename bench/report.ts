/**
 * Renders bench/results/all.json (or the file given) as the Markdown tables BENCHMARKS.md
 * carries, so the published figures are copied from a run, never typed by hand.
 *   npx tsx bench/report.ts [path/to/all.json]
 */
import { readFileSync } from 'node:fs';
import type { Figure } from './harness.ts';
import { resultsDir } from './harness.ts';

interface All {
  at: string;
  mode: string;
  wallSeconds: number;
  machine: {
    nproc: number;
    cpu: string;
    memTotalMiB: number;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  benchmarks: {
    name: string;
    ok: boolean;
    wallSeconds: number;
    processPeakRssMiB?: number;
    loadAverageBefore: number;
    loadAverageAfter: number;
    figures: Figure[];
  }[];
}

const all = JSON.parse(readFileSync(process.argv[2] ?? `${resultsDir()}/all.json`, 'utf8')) as All;
const fmt = (n: number): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const m = all.machine;
const loads = (averages: number[]): string => averages.map((x) => x.toFixed(2)).join(' ');
console.log(
  `Run finished ${all.at} (${all.mode}), ${all.wallSeconds.toFixed(0)} s wall; ` +
    `${m.nproc} x ${m.cpu}, ${m.memTotalMiB} MiB, Node ${m.node}; ` +
    `load average ${loads(m.loadAverageAtStart)} at start, ${loads(m.loadAverageAtEnd)} at end.\n`,
);
for (const b of all.benchmarks) {
  console.log(
    `#### ${b.name} (${b.ok ? 'ok' : 'FAILED'}; ${b.wallSeconds.toFixed(0)} s; ` +
      `process peak RSS ${b.processPeakRssMiB?.toFixed(0) ?? '-'} MiB; ` +
      `load ${b.loadAverageBefore.toFixed(2)} -> ${b.loadAverageAfter.toFixed(2)})\n`,
  );
  console.log('| figure | median | min | max | unit | runs | vs baseline |');
  console.log('|---|---:|---:|---:|---|---:|---|');
  for (const f of b.figures) {
    const vs = f.baseline === undefined ? '' : `**${f.ratio!.toFixed(3)}x** ${f.baseline}`;
    console.log(`| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)} | ${fmt(f.max)} | ${f.unit} | ${f.runs} | ${vs} |`);
  }
  console.log('');
}
