import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./watchdog-child.ts', import.meta.url));

function run(mode: string): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, mode], {
      env: { ...process.env, BENCH_STALL_S: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, err });
    });
  });
}

describe('bench watchdog (bench/lib/watchdog.ts)', () => {
  it('aborts a process whose main thread is blocked, naming its pid', async () => {
    const { signal, err } = await run('blocked');
    expect(signal).toBe('SIGABRT');
    expect(err).toMatch(/STALL in watchdog test \(blocked\): the main thread is blocked .* pid \d+/);
  }, 70_000);

  it('exits 3 with the dump when nothing progresses', async () => {
    const { code, err } = await run('stalled');
    expect(code).toBe(3);
    expect(err).toContain('"state":{"mode":"stalled","progress":0}');
  }, 70_000);

  it('lets a run that progresses and stops the watchdog exit 0', async () => {
    const { code, err } = await run('done');
    expect(code).toBe(0);
    expect(err).toBe('');
  }, 70_000);
});
