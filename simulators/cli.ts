/**
 * edc-sim: the simulators' command line (terminal, bank, signal, rig, demo). Exit status: 0
 * success, 1 a coded failure or a rig that found a violation, 2 a usage error. Errors are one
 * line on stderr: `edc-sim: CODE: message`.
 */
import { readFileSync } from 'node:fs';
import { isEdcError } from '../protocol/errors.ts';
import { bankCommand } from './cli/bank.ts';
import { modemCommand } from './cli/modem.ts';
import { monitorCommand } from './cli/monitor.ts';
import { processIo, type Io } from './cli/io.ts';
import { demoCommand, rigCommand } from './cli/rig.ts';
import { signalCommand } from './cli/signal.ts';
import { terminalCommand } from './cli/terminal.ts';
import { ERR_SIM_USAGE } from './errors.ts';

export const topUsage = `edc-sim <command> [options]   (every command takes --help; edc-sim --version)

  terminal (--tcp HOST:PORT | --serial PATH) (--cards FILE | --card-pin PIN) [--script FILE]   an EDC terminal
  monitor (--listen H:P --target H:P | --tap-terminal DEV --tap-agent DEV | --serial DEV | --read FILE)
          [--json] [--record FILE]                                      line monitor: frames, LRC, ISO 8583 fields
  modem --modem NUMBER=PATH... [--seed S] [--delay MIN-MAX] [--loss R] [--duplicate R] [--reorder R]
                                                                         simulated GSM modems and SMS network
  bank population --seed S --size N --out FILE                           seeded KPMs (JSON lines)
  bank cards --seed S --size N [--bank B] --out FILE [--kpm-ids FILE]    KPM ids, card numbers and PINs (CSV)
  bank disbursements --seed S --size N --bank B --tahap T --out FILE     a bank's disbursement CSV
  signal --target URL [--outage FROM-TO]... [fault rates]                 village signal proxy
  rig [--seed S] [--agents N] [--terminals M] [--kpm K] [--serial [--baud B]] [--report FILE] [--preset P]
  demo [--seed S] [--report FILE]                                        the rig, preset demo
`;

/** The package version (package.json), for --version. */
export function simVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'terminal':
      return terminalCommand(rest, io);
    case 'monitor':
      return monitorCommand(rest, io);
    case 'modem':
      return modemCommand(rest, io);
    case 'bank':
      return bankCommand(rest[0], rest.slice(1), io);
    case 'signal':
      return signalCommand(rest, io);
    case 'rig':
      return rigCommand(rest, io);
    case 'demo':
      return demoCommand(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.out(topUsage);
      return 0;
    case '--version':
    case '-V':
      io.out(`edc-sim ${simVersion()}\n`);
      return 0;
    case undefined:
      io.err(topUsage);
      return 2;
    default:
      throw new ERR_SIM_USAGE(
        `Unknown command ${command} (expected terminal, monitor, modem, bank, signal, rig or demo; see edc-sim --help)`,
      );
  }
}

export async function runSimCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const line = isEdcError(error)
      ? `${error.code}: ${error.message}`
      : `EDC_ERR_SIM_UNEXPECTED: ${(error as Error)?.message ?? String(error)}`;
    io.err(`edc-sim: ${line.split('\n')[0]}\n`);
    return isEdcError(error, 'EDC_ERR_SIM_USAGE') ? 2 : 1;
  }
}

// Run only as the entry point (bin/edc-sim.mjs), not when a test imports runSimCli.
if (process.argv[1] !== undefined && /edc-sim(\.mjs)?$/.test(process.argv[1])) {
  process.exitCode = await runSimCli(process.argv.slice(2));
}
