import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimCli } from '../../../simulators/cli.ts';
import type { Io } from '../../../simulators/cli/io.ts';
import { formatProgress, progressDisplay } from '../../../simulators/cli/rig-progress.ts';
import type { RigProgress } from '../../../simulators/rig/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-rig-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sim(tty: boolean, ...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    errIsTty: tty,
    stopped: () => Promise.resolve(),
  };
  return { status: await runSimCli(argv, io), out, err };
}

const progressLine =
  /^\[\s*\d+\.\d s\] (setup|field|drain|attacks|checks): .*, \d+ approved, \d+ queued for the gateway$/;

describe('edc-sim rig on the command line', () => {
  it.each([
    ['a missing folder', 'no-such-folder/rig.json', /expected an existing folder, found no folder /],
    ['a file used as a folder', 'plain-file/rig.json', /expected .* to be a folder, found a file/],
    ['a folder as the file', 'a-folder', /expected a file name, found a folder/],
  ])('--report into %s fails before the run, with EDC_ERR_SIM_OUTPUT', async (_what, relative, message) => {
    await writeFile(join(dir, 'plain-file'), 'x');
    await mkdir(join(dir, 'a-folder'), { recursive: true });
    const result = await sim(true, 'rig', '--kpm', '30', '--report', join(dir, relative));
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_OUTPUT: Cannot write the report to [^\n]+\n$/);
    expect(result.err).toMatch(message);
    // Nothing ran: on a terminal the rig's first phase would have drawn its status line; no summary.
    expect(result.err.split('\n')).toHaveLength(2);
    expect(result.out).toBe('');
  });

  it('--baud outside the standard rates, or without a serial link, is a usage error', async () => {
    const bad = await sim(false, 'rig', '--serial', '--baud', '14400');
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/EDC_ERR_SIM_USAGE: --baud: expected one of 1200, 2400, 4800, 9600, 19200, 38400/);
    const noSerial = await sim(false, 'rig', '--baud', '19200');
    expect(noSerial.status).toBe(2);
    expect(noSerial.err).toMatch(/EDC_ERR_SIM_USAGE: --baud sets the speed of serial links: add --serial/);
  });

  it('progress: a status line on a terminal, lines with --progress, else nothing; the report is written', async () => {
    const report = join(dir, 'rig.json');
    const [tty, lines, quiet] = await Promise.all([
      sim(true, 'rig', '--kpm', '30', '--seed', '4', '--report', report),
      sim(false, 'rig', '--kpm', '30', '--seed', '4', '--progress'),
      sim(false, 'rig', '--kpm', '30', '--seed', '4'),
    ]);
    for (const run of [tty, lines, quiet]) {
      expect(run.status).toBe(0);
      expect(run.out).toMatch(/^edc-sim rig {2}seed 4 .*RESULT: OK\n/s);
    }
    // TTY: one line rewritten in place (carriage return, erase line), ended once.
    expect(tty.err.startsWith('\r\x1b[2K')).toBe(true);
    expect(tty.err.endsWith('\n')).toBe(true);
    expect(tty.err.slice(0, -1)).not.toContain('\n');
    expect(tty.err.split('\r\x1b[2K').at(-1)).toMatch(/checks: .*\n$/);
    // Not a TTY, --progress: whole lines, every phase.
    const printed = lines.err.trimEnd().split('\n');
    for (const line of printed) expect(line).toMatch(progressLine);
    expect(new Set(printed.map((l) => /\] (\w+):/.exec(l)![1]))).toEqual(
      new Set(['setup', 'field', 'drain', 'attacks', 'checks']),
    );
    expect(quiet.err).toBe('');
    const written = JSON.parse(await readFile(report, 'utf8')) as {
      ok: boolean;
      result: { options: { seed: number } };
    };
    expect(written).toMatchObject({ ok: true, result: { options: { seed: 4 } } });
  }, 120_000);

  it('progressDisplay() in line mode prints at a phase change and at each tenth of the steps only', () => {
    const printed: string[] = [];
    let now = 0;
    const display = progressDisplay(
      (t) => void printed.push(t),
      'lines',
      () => now,
    );
    const at = (phase: RigProgress['phase'], steps: number): RigProgress => ({
      phase,
      detail: 'x',
      steps,
      stepsPlanned: 100,
      approved: steps,
      queued: 1,
    });
    display.listener(at('setup', 0));
    for (let s = 0; s <= 100; s++) {
      now += 7;
      display.listener(at('field', s));
    }
    display.listener(at('drain', 100));
    expect(printed).toHaveLength(1 + 11 + 1);
    expect(printed[5]).toBe(formatProgress(at('field', 40), 287) + '\n');
  });
});
