/**
 * `npm run soak -- --seed N --minutes M`: the seeded fault soak (simulators/soak/run.ts).
 * Exit status: 0 every invariant held; 1 a violation (the summary ends with the command that
 * replays the seed) or a coded failure; 2 a usage error (EDC_ERR_SIM_USAGE). Errors are one line
 * on stderr: `soak: CODE: message`.
 */
import { writeFile } from 'node:fs/promises';
import { isEdcError } from '../../protocol/errors.ts';
import { int, parse, str, type CommandSpec } from '../cli/args.ts';
import { processIo, type Io } from '../cli/io.ts';
import { checkReportPath } from '../cli/rig-output.ts';
import { ERR_SIM_OUTPUT, ERR_SIM_USAGE } from '../errors.ts';
import { parseSoakOptions, soakMinutesMax, type SoakOptionsInput } from './options.ts';
import { buildSoakReport, formatSoakSummary, replayCommand } from './report.ts';
import { runSoak } from './run.ts';

export const soakSpec: CommandSpec = {
  usage: `npm run soak -- --seed N --minutes M [--agents A] [--terminals T] [--kpm K] [--fault-every-ms MS]
                       [--report FILE]

Simulasi gangguan berbenih: gateway dan agen sebagai proses nyata, terminal, proksi sinyal;
proses dimatikan (SIGKILL/SIGTERM) dan dinyalakan lagi, penyimpanan agen gagal atau robek,
sinyal putus/lambat/ganda/teracak, jam agen melompat maju dan mundur. Invarian diperiksa terus
dan di akhir. Keluar 0 bila semua invarian terpenuhi, 1 bila ada pelanggaran (dengan perintah
untuk mengulang benih yang sama), 2 bila opsi salah.
A seeded fault soak: the gateway and the agents as real processes, terminals, signal proxies;
processes killed (SIGKILL/SIGTERM) and restarted, agent storage writes failed or torn, signal
dropped/slowed/duplicated/reordered, agent clocks jumping forward and back. Invariants are checked
continuously and at the end. Exit 0 when every invariant held, 1 on a violation (printing the
command that replays the seed), 2 on a bad flag.

  --seed N            benih / seed, 0..4294967295 (default 1)
  --minutes M         lama fase gangguan / fault phase length, 0.1..${soakMinutesMax} minutes (default 1)
  --agents A          agen / agents, 3..8 (default 3)
  --terminals T       terminal per agen / terminals per agent, 1..4 (default 2)
  --kpm K             KPM, 60..20000 (default 600)
  --fault-every-ms MS jeda rata-rata antargangguan / mean wait between faults, 500..600000 (default 4000)
  --report FILE       tulis laporan JSON / write the JSON report to FILE (checked before the run:
                      EDC_ERR_SIM_OUTPUT, exit 1, nothing run)
`,
  options: {
    seed: { type: 'string' },
    minutes: { type: 'string' },
    agents: { type: 'string' },
    terminals: { type: 'string' },
    kpm: { type: 'string' },
    'fault-every-ms': { type: 'string' },
    report: { type: 'string' },
  },
};

function minutesFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]*\.?[0-9]+$/.test(text) || !(value >= 0.1 && value <= soakMinutesMax))
    throw new ERR_SIM_USAGE(`--minutes: expected a number in 0.1..${soakMinutesMax}, found ${text}`);
  return value;
}

export function parseSoakFlags(argv: readonly string[]): { input: SoakOptionsInput; report?: string } | 'help' {
  const values = parse(soakSpec, argv);
  if (values === 'help') return 'help';
  const input: SoakOptionsInput = {
    seed: int(values, 'seed', 0, 0xffffffff),
    minutes: minutesFlag(str(values, 'minutes')),
    agents: int(values, 'agents', 3, 8),
    terminals: int(values, 'terminals', 1, 4),
    kpm: int(values, 'kpm', 60, 20_000),
    faultEveryMs: int(values, 'fault-every-ms', 500, 600_000),
  };
  const report = str(values, 'report');
  return report === undefined ? { input } : { input, report };
}

export async function soakCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  let replay: string | undefined;
  try {
    const flags = parseSoakFlags(argv);
    if (flags === 'help') {
      io.out(soakSpec.usage);
      return 0;
    }
    const options = parseSoakOptions(flags.input);
    if (flags.report !== undefined) await checkReportPath(flags.report);
    replay = replayCommand(options);
    const result = await runSoak(options, { progress: (line) => io.err(`${line}\n`) });
    const report = buildSoakReport(result);
    io.out(formatSoakSummary(report));
    if (flags.report !== undefined)
      await writeFile(flags.report, JSON.stringify(report, null, 2) + '\n').catch((cause: unknown) => {
        throw new ERR_SIM_OUTPUT(`Cannot write the soak report to ${flags.report}: ${(cause as Error).message}`);
      });
    return report.ok ? 0 : 1;
  } catch (error) {
    const line = isEdcError(error)
      ? `${error.code}: ${error.message}`
      : `EDC_ERR_SIM_UNEXPECTED: ${(error as Error)?.message ?? String(error)}`;
    io.err(`soak: ${line.split('\n')[0]}\n`);
    if (replay !== undefined) io.err(`Ulangi / replay: ${replay}\n`);
    return isEdcError(error, 'EDC_ERR_SIM_USAGE') ? 2 : 1;
  }
}

if (process.argv[1] !== undefined && /soak[\\/]main\.ts$/.test(process.argv[1])) {
  process.exitCode = await soakCommand(process.argv.slice(2));
}
