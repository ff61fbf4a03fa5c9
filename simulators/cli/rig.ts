/** edc-sim rig | demo: the field rig, its progress on stderr, its summary on stdout, its JSON report to a file. */
import { writeFile } from 'node:fs/promises';
import { ERR_SIM_OUTPUT, ERR_SIM_USAGE } from '../errors.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import {
  formatSummary,
  runRig,
  rigPresets,
  serialBaudRates,
  type RigHooks,
  type RigLive,
  type RigOptionsInput,
} from '../rig/index.ts';
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
    'edc-sim demo [--seed S] [--report FILE] [--keep]\n' +
    '  The rig with preset demo (3 agents x 2 terminals, 300 KPM, outages, every attack) on TCP links,' +
    ' with progress on stderr.\n' +
    '  --keep leaves the gateway and agents running after the summary, prints the staff dashboard URL, an admin\n' +
    "  token and each agent's status page; Ctrl-C stops everything.",
  options: { seed: { type: 'string' }, report: { type: 'string' }, keep: { type: 'boolean' } },
};

async function run(
  options: RigOptionsInput,
  reportPath: string | undefined,
  io: Io,
  progress: boolean,
  hooks: RigHooks = {},
): Promise<number> {
  if (reportPath !== undefined) await checkReportPath(reportPath);
  const mode = io.errIsTty === true ? 'status-line' : progress ? 'lines' : 'quiet';
  const display = progressDisplay(io.err, mode);
  const keep = hooks.keep;
  let report;
  try {
    // --keep prints below the progress: the status line ends first.
    report = await runRig(
      options,
      display.listener,
      keep === undefined ? hooks : { ...hooks, keep: (live) => (display.end(), keep(live)) },
    );
  } finally {
    display.end();
  }
  if (keep === undefined) io.out(formatSummary(report));
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

/** `demo --keep`: the summary, then where to look, then wait for Ctrl-C (SIGINT) or SIGTERM. */
function keepRunning(io: Io): (live: RigLive) => Promise<void> {
  return async (live) => {
    io.out(formatSummary(live.report));
    const { token, record } = newToken('admin', 'demo', Date.now());
    await live.gateway.store.putToken(record);
    io.out(
      `\nDasbor staf / staff dashboard: ${live.gateway.url}/dashboard\n` +
        `Token staf (admin) / staff token: ${token}\n` +
        `API docs: ${live.gateway.url}/docs\n` +
        live.fleet.map((a) => `Agen ${a.keys.agentId}: http://127.0.0.1:${a.running?.statusPort ?? '?'}/\n`).join('') +
        'Tekan Ctrl-C untuk berhenti / press Ctrl-C to stop\n',
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    io.err('edc-sim demo: stopping the gateway and agents\n');
  };
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
    v.keep === true ? { keep: keepRunning(io) } : {},
  );
}
