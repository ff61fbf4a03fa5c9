/**
 * Runs every benchmark, each in its own child process (so peak RSS is per benchmark and one
 * crash does not hide the others), prints one combined table and writes bench/results/all.json.
 *   npx tsx bench/run.ts [--quick] [--only name,name]
 * BENCH_TINY=1 in the environment is passed on (the CI test's even smaller sizes).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mode, printTable, resultsDir, type BenchResult, type Figure } from './harness.ts';
import { writeFileSync, mkdirSync } from 'node:fs';
import { benchmarks } from './list.ts';

interface RunEntry {
  readonly name: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly wallSeconds: number;
  readonly loadAverageBefore: number;
  readonly loadAverageAfter: number;
  readonly processPeakRssMiB: number | undefined;
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
}

function selected(): string[] {
  const at = process.argv.indexOf('--only');
  if (at < 0) return [...benchmarks];
  const names = (process.argv[at + 1] ?? '').split(',').filter((n) => n.length > 0);
  const unknown = names.filter((n) => !(benchmarks as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    console.error(
      `bench/run.ts: --only expects a comma-separated list of ${benchmarks.join(', ')}; ` +
        `found ${JSON.stringify(process.argv[at + 1] ?? '')}`,
    );
    process.exit(2);
  }
  return names;
}

async function runOne(name: string): Promise<RunEntry> {
  const resultPath = `${resultsDir()}/${name}.json`;
  rmSync(resultPath, { force: true }); // a stale file must not pass for this run's figures
  const loadAverageBefore = loadavg()[0]!;
  const start = performance.now();
  const args = [
    '--import',
    'tsx',
    fileURLToPath(new URL(`./${name}.ts`, import.meta.url)),
    ...(mode() === 'full' ? [] : ['--quick']),
  ];
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: process.env });
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const wallSeconds = (performance.now() - start) / 1000;
  let result: BenchResult | undefined;
  if (existsSync(resultPath)) result = JSON.parse(readFileSync(resultPath, 'utf8')) as BenchResult;
  const ok = exitCode === 0 && result !== undefined && result.mode === mode() && result.figures.length > 0;
  if (!ok)
    console.error(
      `\nbench ${name}: FAILED (exit ${String(exitCode)}, results ${result === undefined ? 'missing' : 'present'})`,
    );
  return {
    name,
    ok,
    exitCode,
    wallSeconds,
    loadAverageBefore,
    loadAverageAfter: loadavg()[0]!,
    processPeakRssMiB: result?.processPeakRssMiB,
    figures: result?.figures ?? [],
    notes: result?.notes ?? [],
  };
}

const started = performance.now();
const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memTotalMiB: Math.round(totalmem() / 2 ** 20),
  memFreeMiB: Math.round(freemem() / 2 ** 20),
  node: process.version,
  loadAverageAtStart: loadavg(),
};
const runs: RunEntry[] = [];
for (const name of selected()) {
  console.log(`\n=== ${name} (${mode()}) ===`);
  runs.push(await runOne(name));
}
const wallSeconds = (performance.now() - started) / 1000;
const combined = runs.flatMap((r) => r.figures.map((f) => ({ ...f, name: `${r.name}: ${f.name}` })));
printTable(`All benchmarks [${mode()}], ${wallSeconds.toFixed(0)} s`, combined);
console.log('\n| benchmark | status | wall s | process peak RSS MiB | load avg before/after |');
console.log('|---|---|---:|---:|---|');
for (const r of runs) {
  console.log(
    `| ${r.name} | ${r.ok ? 'ok' : 'FAILED'} | ${r.wallSeconds.toFixed(1)} | ` +
      `${r.processPeakRssMiB?.toFixed(0) ?? '-'} | ` +
      `${r.loadAverageBefore.toFixed(2)} / ${r.loadAverageAfter.toFixed(2)} |`,
  );
}
mkdirSync(resultsDir(), { recursive: true });
const allResults = {
  name: 'all',
  at: new Date().toISOString(),
  mode: mode(),
  wallSeconds,
  machine: { ...machine, loadAverageAtEnd: loadavg() },
  benchmarks: runs,
};
writeFileSync(`${resultsDir()}/all.json`, `${JSON.stringify(allResults, null, 2)}\n`);
console.log(`\nwrote ${resultsDir()}/all.json (${wallSeconds.toFixed(0)} s)`);
process.exitCode = runs.every((r) => r.ok) ? 0 : 1;
