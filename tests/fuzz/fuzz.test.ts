/**
 * The fuzzers at a small count, through the real script (`npm run fuzz`) in child processes: a
 * crash in any target fails here with the seed and the path that replay it. The seed is drawn per
 * run (printed) unless FUZZ_SEED is set, so CI keeps exploring. The full counts (1M cases per
 * decoder, 100k HTTP requests) are run by hand: `npm run fuzz`.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FuzzFigures } from '../../bench/fuzz/harness.ts';

const root = resolve(import.meta.dirname, '..', '..');
const seed = process.env.FUZZ_SEED === undefined ? randomInt(0x7fffffff) : Number(process.env.FUZZ_SEED);
/** A child that prints nothing for this long is stuck in a case: a hang, whatever the machine. */
const silenceMaxMs = 120_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-fuzz-test-'));
  console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed}, or npm run fuzz -- --seed ${seed})`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runFuzz(targets: string, cases: number): Promise<{ code: number | null; figures: FuzzFigures[] }> {
  const out = join(dir, `${targets.replaceAll(',', '-')}.json`);
  const args = ['--import', 'tsx', 'bench/fuzz.ts', '--cases', String(cases), '--seed', String(seed)];
  const child = spawn(process.execPath, [...args, '--target', targets, '--json', out], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let watchdog: NodeJS.Timeout | undefined;
  const quiet = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => child.kill('SIGKILL'), silenceMaxMs);
  };
  quiet();
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => ((log += chunk.toString()), quiet()));
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(watchdog);
  expect(code, `fuzz ${targets} printed:\n${log}`).not.toBeNull();
  const figures = (JSON.parse(await readFile(out, 'utf8')) as { targets: FuzzFigures[] }).targets;
  for (const f of figures) expect(f.failure, `${f.target}: ${JSON.stringify(f.failure)}\n${log}`).toBeUndefined();
  return { code, figures };
}

function codes(f: FuzzFigures, prefix: string): string[] {
  return Object.keys(f.outcomes).filter((k) => k.startsWith(prefix));
}

describe.concurrent('fuzzers (small counts; `npm run fuzz` for the full ones)', () => {
  it('serial, TCP and ISO 8583 decoders: no crash, typed errors only, bounded, exact on clean streams', async () => {
    const { code, figures } = await runFuzz('serial,tcp,iso8583', 3_000);
    expect(code).toBe(figures.every((f) => f.hangs === 0) ? 0 : 1);
    const [serial, tcp, iso] = figures;
    for (const f of figures) expect(f).toMatchObject({ cases: 3_000, crashes: 0, seed });
    expect(serial!.outcomes.frame).toBeGreaterThan(0);
    expect(serial!.outcomes['stream:clean']).toBeGreaterThan(0);
    expect(codes(serial!, 'EDC_ERR_FRAME_').length).toBeGreaterThanOrEqual(4);
    expect(tcp!.outcomes.frame).toBeGreaterThan(0);
    expect(codes(tcp!, 'EDC_ERR_FRAME_').length).toBeGreaterThanOrEqual(2);
    expect(codes(iso!, 'decoded:').length).toBeGreaterThan(0);
    expect(codes(iso!, 'EDC_ERR_ISO_').length).toBeGreaterThanOrEqual(5);
  }, 300_000);

  it('gateway HTTP API: every adversarial request gets a coded 4xx and the state stays as it was', async () => {
    const { code, figures } = await runFuzz('http', 300);
    const [http] = figures;
    expect(code).toBe(http!.hangs === 0 ? 0 : 1);
    expect(http).toMatchObject({ cases: 300, crashes: 0 });
    const statuses = Object.keys(http!.outcomes).filter((k) => /^\d{3} /.test(k));
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    for (const s of statuses) expect(s).toMatch(/^4\d\d EDC_ERR_[A-Z0-9_]+$/);
    // No open findings: the router's refusals and content-length mismatches are coded now.
    expect(Object.keys(http!.outcomes).filter((k) => k.startsWith('known:'))).toEqual([]);
    expect(codes(http!, 'family:').sort()).toEqual(
      ['family:agentMethod', 'family:read', 'family:staff', 'family:stray', 'family:upload'].sort(),
    );
  }, 300_000);
});
