/** edc-sim rig | demo: the field rig, its progress on stderr, its summary on stdout, its JSON report to a file. */
import { writeFile } from 'node:fs/promises';
import { ERR_SIM_OUTPUT, ERR_SIM_USAGE } from '../errors.ts';
import { formatSummary, runRig, rigPresets, serialBaudRates, type RigOptionsInput } from '../rig/index.ts';
import { int, oneOf, parse, str, type CommandSpec, type Values } from './args.ts';
import type { Io } from './io.ts';
import { checkReportPath } from './rig-output.ts';
import { progressDisplay } from './rig-progress.ts';

export const rigSpec: CommandSpec = {
  usage:
    'edc-sim rig [--seed S] [--agents N] [--terminals M] [--kpm K] [--serial [--baud B]] [--report FILE]' +
    ' [--preset demo|ci|large] [--progress]\n' +
    '  Gateway + N agents x M terminals + bank + signal, seeded; injects faults and attacks, reconciles, checks the\n' +
    '  invariants. Summary on stdout, JSON report to FILE (its folder is checked before the run). Exit 0 when every\n' +
    "  invariant holds and every attack is caught, 1 otherwise. --serial links the last agent's terminals over\n" +
    `  socat pseudo-terminals at --baud B (${serialBaudRates.join(', ')}; default 9600).\n` +
    '  Progress on stderr: a status line when stderr is a terminal, otherwise nothing unless --progress (then one\n' +
    '  line per phase and per tenth of the steps). Flags override the preset.',
  options: {
    seed: { type: 'string' },
    agents: { type: 'string' },
    terminals: { type: 'string' },
    kpm: { type: 'string' },
    serial: { type: 'boolean' },
    baud: { type: 'string' },
    report: { type: 'string' },
    preset: { type: 'string' },
    progress: { type: 'boolean' },
  },
};
export const demoSpec: CommandSpec = {
  usage:
    'edc-sim demo [--seed S] [--report FILE]\n' +
    '  The rig with preset demo (3 agents x 2 terminals, 300 KPM, outages, every attack) on TCP links,' +
    ' with progress on stderr.',
  options: { seed: { type: 'string' }, report: { type: 'string' } },
};

async function run(
  options: RigOptionsInput,
  reportPath: string | undefined,
  io: Io,
  progress: boolean,
): Promise<number> {
  if (reportPath !== undefined) await checkReportPath(reportPath);
  const mode = io.errIsTty === true ? 'status-line' : progress ? 'lines' : 'quiet';
  const display = progressDisplay(io.err, mode);
  let report;
  try {
    report = await runRig(options, display.listener);
  } finally {
    display.end();
  }
  io.out(formatSummary(report));
  if (reportPath !== undefined) {
    await writeFile(reportPath, JSON.stringify(report, null, 2) + '\n').catch((cause: unknown) => {
      throw new ERR_SIM_OUTPUT(
        `Cannot write the report to ${reportPath}: ${(cause as Error).message}`,
        { path: reportPath },
        cause,
      );
    });
  }
  return report.ok ? 0 : 1;
}

/** --baud B: one of the standard rates, and only where a serial link exists to run at it. */
function baudOf(v: Values, serialAgents: number): RigOptionsInput {
  const text = str(v, 'baud');
  if (text === undefined) return {};
  const rate = oneOf(text, serialBaudRates.map(String), 'baud');
  if (serialAgents === 0)
    throw new ERR_SIM_USAGE('--baud sets the speed of serial links: add --serial (or --preset ci), found none');
  return { baudRate: Number(rate) as (typeof serialBaudRates)[number] };
}

export async function rigCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(rigSpec, argv);
  if (v === 'help') return (io.out(rigSpec.usage + '\n'), 0);
  const preset = str(v, 'preset');
  const base: RigOptionsInput =
    preset === undefined
      ? {}
      : { ...rigPresets[oneOf(preset, Object.keys(rigPresets) as (keyof typeof rigPresets)[], 'preset')] };
  const options: RigOptionsInput = {
    ...base,
    ...(v.seed === undefined ? {} : { seed: int(v, 'seed', 0, 0xffffffff) }),
    ...(v.agents === undefined ? {} : { agents: int(v, 'agents', 3, 32) }),
    ...(v.terminals === undefined ? {} : { terminals: int(v, 'terminals', 2, 8) }),
    ...(v.kpm === undefined ? {} : { kpm: int(v, 'kpm', 30, 50_000) }),
    ...(v.serial === true ? { serialAgents: 1 } : {}),
  };
  const withBaud = { ...options, ...baudOf(v, options.serialAgents ?? 0) };
  return run(withBaud, str(v, 'report'), io, v.progress === true || preset === 'demo');
}

export async function demoCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(demoSpec, argv);
  if (v === 'help') return (io.out(demoSpec.usage + '\n'), 0);
  io.err(
    'edc-sim demo: terminals reach their agents over TCP on 127.0.0.1' +
      ' (no socat needed; `edc-sim rig --serial` uses socat pseudo-terminals)\n',
  );
  return run(
    { ...rigPresets.demo, ...(v.seed === undefined ? {} : { seed: int(v, 'seed', 0, 0xffffffff) }) },
    str(v, 'report'),
    io,
    true,
  );
}
