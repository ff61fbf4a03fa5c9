/** edc-sim rig | demo: the field rig, its summary on stdout, its JSON report to a file. */
import { writeFile } from 'node:fs/promises';
import { ERR_SIM_OUTPUT } from '../errors.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { formatSummary, runRig, rigPresets, type RigHooks, type RigLive, type RigOptionsInput } from '../rig/index.ts';
import { int, oneOf, parse, str, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const rigSpec: CommandSpec = {
  usage:
    'edc-sim rig [--seed S] [--agents N] [--terminals M] [--kpm K] [--serial] [--report FILE]' +
    ' [--preset demo|ci|large]\n' +
    '  Gateway + N agents x M terminals + bank + signal, seeded; injects faults and attacks, reconciles, checks the\n' +
    '  invariants. Summary on stdout, JSON report to FILE. Exit 0 when every invariant holds and every attack is\n' +
    "  caught, 1 otherwise. --serial links the last agent's terminals over socat pseudo-terminals." +
    ' Flags override the preset.',
  options: {
    seed: { type: 'string' },
    agents: { type: 'string' },
    terminals: { type: 'string' },
    kpm: { type: 'string' },
    serial: { type: 'boolean' },
    report: { type: 'string' },
    preset: { type: 'string' },
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
  const startedAt = Date.now();
  const report = await runRig(
    options,
    progress
      ? (text) => io.err(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${text}\n`)
      : undefined,
    hooks,
  );
  if (hooks.keep === undefined) io.out(formatSummary(report));
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
  return run(options, str(v, 'report'), io, preset === 'demo');
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
