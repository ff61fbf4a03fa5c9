/**
 * Keeps the benchmark suite working: bench/run.ts runs every benchmark at the tiniest size
 * (BENCH_TINY=1), each in its own process, and each must complete, print its figures and write
 * valid JSON with the figures it promises. No timing is asserted: speed is the benchmarks' job.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmarks, type BenchmarkName } from '../../bench/list.ts';
import type { BenchResult } from '../../bench/harness.ts';

const root = resolve(import.meta.dirname, '..', '..');

/** Figure names (substrings) each benchmark must report. */
const expected: Record<BenchmarkName, readonly string[]> = {
  crypto: ['ed25519 verify, node:crypto', 'ed25519 verify, tweetnacl', 'seal PAN'],
  'link-decode': ['serial, 32-byte chunks: decode', 'tcp, 1460-byte chunks: decode'],
  'iso8583-decode': ['ISO 8583 0200 decode', 'ISO 8583 0200 encode'],
  'agent-ledger': ['LevelDB synced put (raw, sequential)', 'core.handle() approvals/s, 64 caller(s)'],
  'agent-auth': [
    'LevelDB synced put (raw, sequential)',
    '0200 latency p50, 1 terminal,',
    '0200 latency p99, 1 terminal,',
    'authorizations/s, 1 terminal',
    'authorizations/s, 8 terminals',
    'authorizations/s, 64 terminals',
    '0200 latency p99, 64 terminals',
    'agent process peak RSS, 64 terminals',
  ],
  'import-parse': ['raw csv-parse', 'parseDisbursements (parse+validate)'],
  import: [
    'parse + validate only',
    'import, LevelDB store',
    'import, LevelDB store (parse + validate + store): peak RSS',
  ],
  'gateway-ingest': [
    'node:crypto Ed25519 verify (raw',
    'tweetnacl Ed25519 verify',
    'HTTP ingest, 1 concurrent agent',
    'HTTP ingest, 16 concurrent agent',
    'HTTP ingest, 256 concurrent agent',
    'gateway peak RSS, ingest with 256 agent',
  ],
  'pg-ingest': ['HTTP ingest, LevelDB store, 1 gateway'],
  drain: [
    'Ed25519 verifies, node:crypto',
    'queued entries to fully acknowledged',
    'gateway peak RSS during drain',
    'agent process peak RSS during drain',
  ],
  herd: ['time to drain', 'herd: errors met', 'herd: 429 responses', 'gateway peak RSS during herd'],
  'gateway-recon': [
    'import rows/s (parse + validate + store',
    'full recompute, LevelDB store',
    'peak RSS of the recompute process',
    'continuous summary read',
    'raw LevelDB scan',
  ],
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('bench/run.ts --quick (BENCH_TINY=1)', () => {
  let dir: string;
  let run: Run;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edc-bench-test-'));
    run = await runBench(['--quick'], { BENCH_TINY: '1', BENCH_RESULTS_DIR: dir });
  }, 240_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('completes every benchmark and prints one combined table', () => {
    expect(run.stderr).not.toContain('FAILED');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('All benchmarks [tiny]');
    for (const name of benchmarks) expect(run.stdout).toMatch(new RegExp(`\\| ${name} \\| ok \\|`));
  });

  it.each(benchmarks)(
    '%s writes valid JSON with its promised figures, each a median within [min, max]',
    async (name) => {
      const result = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as BenchResult;
      expect(result.name).toBe(name);
      expect(result.mode).toBe('tiny');
      for (const wanted of expected[name])
        expect(
          result.figures.map((f) => f.name).some((n) => n.includes(wanted)),
          `${name}: ${wanted}`,
        ).toBe(true);
      for (const f of result.figures) {
        expect(Number.isFinite(f.median) && f.min <= f.median && f.median <= f.max, f.name).toBe(true);
        expect(f.runs).toBeGreaterThanOrEqual(1);
        if (f.baseline !== undefined)
          expect(result.figures.some((b) => b.name === f.baseline) && Number.isFinite(f.ratio)).toBe(true);
        expect(run.stdout).toContain(`| ${name}: ${f.name} |`);
      }
    },
  );

  it('all.json lists every benchmark as ok with its figures', async () => {
    const all = JSON.parse(await readFile(join(dir, 'all.json'), 'utf8')) as {
      benchmarks: { name: string; ok: boolean; figures: unknown[] }[];
    };
    expect(all.benchmarks.map((b) => b.name)).toEqual([...benchmarks]);
    expect(all.benchmarks.every((b) => b.ok && b.figures.length > 0)).toBe(true);
  });
});

describe('bench/run.ts --only', () => {
  it('refuses an unknown benchmark name, saying which names it expected', async () => {
    const run = await runBench(['--only', 'crypto,nope'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--only expects a comma-separated list of crypto');
    expect(run.stderr).toContain('"crypto,nope"');
  });
});
