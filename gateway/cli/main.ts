/**
 * The edc-gateway command line. Exit status: 0 success, 1 a coded failure (message on stderr
 * with its code), 2 a usage error (unknown command or flag, bad value).
 */
import { isEdcError } from '../../protocol/errors.ts';
import { ERR_CLI_USAGE } from '../errors.ts';
import { agentsAddSpec, agentsCommand, agentsListSpec, agentsRevokeSpec } from './agents.ts';
import { importBundleSpec, importCommand, importDisbursementsSpec } from './import.ts';
import { initCommand } from './init.ts';
import { OutputClosed, outputFailed, processIo, type CliIo } from './io.ts';
import { reconcileCommand, reportCommand } from './reconcile.ts';
import { serveCommand } from './serve.ts';
import { tokensCommand, tokensCreateSpec } from './tokens.ts';

export const topUsage = `edc-gateway <command> [options]   (every command takes --help)

  init --dir D                         make keys and config; print the signing public key
  serve --dir D [--host H] [--port N]  run the HTTP gateway (holds the store lock)
  agents add|list|revoke --dir D ...   enrol agents and allocate KPMs
  tokens create --dir D --role R       create a staff bearer token (shown once)
  import disbursements FILE --dir D --bank B --tahap T [--layout L] [--rejects OUT]
  import bundle FILE --dir D           ingest an agent's exported bundle
  reconcile --dir D --tahap T          full recompute, compare, store
  report --dir D --tahap T --format csv|json [--bank B] [--region R]
`;

/** Commands with subcommands: `edc-gateway agents --help` lists the subcommands' usages. */
const groupUsages = {
  agents: [agentsAddSpec, agentsListSpec, agentsRevokeSpec],
  tokens: [tokensCreateSpec],
  import: [importDisbursementsSpec, importBundleSpec],
} as const;

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h' || arg === 'help';
}

function groupHelp(group: keyof typeof groupUsages, io: CliIo): number {
  io.out(groupUsages[group].map((spec) => spec.usage).join('\n\n') + '\n');
  return 0;
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'init':
      return initCommand(rest, io);
    case 'serve':
      return serveCommand(rest, io);
    case 'agents':
      return isHelp(rest[0]) ? groupHelp('agents', io) : agentsCommand(rest[0], rest.slice(1), io);
    case 'tokens':
      return isHelp(rest[0]) ? groupHelp('tokens', io) : tokensCommand(rest[0], rest.slice(1), io);
    case 'import':
      return isHelp(rest[0]) ? groupHelp('import', io) : importCommand(rest[0], rest.slice(1), io);
    case 'reconcile':
      return reconcileCommand(rest, io);
    case 'report':
      return reportCommand(rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.out(topUsage);
      return command === undefined ? 2 : 0;
    default:
      throw new ERR_CLI_USAGE(`Unknown command ${command}\n\n${topUsage}`);
  }
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof OutputClosed) return outputFailed() ? 1 : 0;
    if (isEdcError(error)) {
      io.err(`${error.code}: ${error.message}\n`);
      return error.code === ERR_CLI_USAGE.code ? 2 : 1;
    }
    io.err(`EDC_ERR_INTERNAL: ${(error as Error).message}\n`);
    return 1;
  }
}
