import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./seal-gc-child.ts', import.meta.url));
const seals = 40_000;
const deadlineMs = 90_000;

/** Runs the child; resolves with its exit code, or 'hung' when it is still running at the deadline. */
function runChild(): Promise<{ code: number | 'hung'; out: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--max-semi-space-size=1', child, String(seals)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve({ code: 'hung', out });
    }, deadlineMs);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

describe('seal() under frequent garbage collection', () => {
  // Node 20: a GC inside KeyObject.export({ format: 'jwk' }) of a key generateKeyPairSync had just
  // made could finalize the generation job, whose destructor locks the mutex the export holds: the
  // main thread waited on itself forever (the agent-ledger hang). With a 1 MiB young generation the
  // old seal() hung within 40,000 seals on every try; freshX25519 takes the JWK from the job itself.
  it(
    `seals ${seals} PANs and exits`,
    async () => {
      const { code, out } = await runChild();
      expect(code).toBe(0);
      expect(out).toBe('done\n');
    },
    deadlineMs + 30_000,
  );
});
