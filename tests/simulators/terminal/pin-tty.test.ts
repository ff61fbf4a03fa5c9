/**
 * The PIN typed at `edc-sim terminal` on a real terminal shows as '*', one per digit, and never in
 * clear. The terminal runs as a child process whose stdin, stdout and stderr are a pseudo-terminal
 * made by socat (EXEC ... pty), against a real agent; the test types as a person would, each
 * answer after its prompt appeared, and reads the screen.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../support/agent.ts';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasSocat) console.log('pin-tty test skipped: socat is not installed (.ci/run installs it)');
const repo = resolve(import.meta.dirname, '../../..');
let agent: TestAgent;

beforeAll(async () => {
  if (hasSocat) agent = await startTestAgent();
});
afterAll(async () => agent?.close());

describe.skipIf(!hasSocat)('edc-sim terminal on a real terminal (pseudo-terminal)', () => {
  it('masks the PIN typed as ******, approves with it, and never shows it in clear', async () => {
    // socat splits its address at ':' and ',', so the command line goes into a script.
    const script = join(agent.dir, 'terminal.sh');
    const args = `--tcp 127.0.0.1:${agent.port} --cards ${agent.cardsFile} --stan 5000`;
    await writeFile(script, `#!/bin/sh\nexec "${process.execPath}" "${repo}/bin/edc-sim.mjs" terminal ${args}\n`);
    await chmod(script, 0o755);
    const child = spawn('socat', ['-', `EXEC:${script},pty,setsid,ctty,stderr`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => void (screen += chunk.toString('latin1')));
    const waitFor = async (text: string, from: number): Promise<number> => {
      for (let waited = 0; waited < 20_000; waited += 20) {
        const at = screen.indexOf(text, from);
        if (at >= 0) return at + text.length;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no ${JSON.stringify(text)} on the screen after 20 s; screen: ${JSON.stringify(screen)}`);
    };
    const exited = new Promise((done) => child.once('exit', done));
    let at = await waitFor('Nomor kartu atau ID KPM', 0);
    child.stdin.write(`${agent.kpmIds[0]}\r`);
    at = await waitFor('PIN:', at);
    for (const digit of agent.cards[0]!.pin) child.stdin.write(digit);
    child.stdin.write('\r');
    at = await waitFor('Jumlah', at);
    child.stdin.write('Rp 20.000\r');
    at = await waitFor('Terima kasih', at);
    await waitFor('Nomor kartu atau ID KPM', at);
    child.stdin.write('\r');
    await exited;
    // readline moves the cursor (ESC [ n G) before echoing; then one '*' per digit.
    const escape = new RegExp(String.fromCharCode(27) + '\\[[0-9]*[GJ]', 'g');
    expect(screen.replace(escape, '')).toMatch(/PIN: \*{6}\r/);
    expect(screen).not.toContain(agent.cards[0]!.pin);
    expect(screen).toMatch(/Status +: DISETUJUI/);
    expect(screen).toMatch(/Jumlah +: Rp 20\.000/);
  });
});
