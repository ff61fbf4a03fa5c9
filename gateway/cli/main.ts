/**
 * The edc-gateway command line. Exit status: 0 success, 1 a coded failure, 2 a usage error
 * (unknown command or flag, bad value). A failure is one line on stderr,
 * `edc-gateway: EDC_ERR_X: <Bahasa Indonesia> / <English>`, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { isEdcError } from '../../protocol/errors.ts';
import { ERR_CLI_USAGE, ERR_INTERNAL } from '../errors.ts';
import { agentsAddSpec, agentsCommand, agentsListSpec, agentsRevokeSpec } from './agents.ts';
import { importBundleSpec, importCommand, importDisbursementsSpec } from './import.ts';
import { initCommand } from './init.ts';
import { keysCommand, keysRotateSpec } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { OutputClosed, outputFailed, processIo, usageError, type CliIo } from './io.ts';
import { bilingualMessage } from './messages-id.ts';
import { publicKeyCommand } from './public-key.ts';
import { receiptCommand, receiptVerifySpec } from './receipt.ts';
import { reconcileCommand, reportCommand } from './reconcile.ts';
import { serveCommand } from './serve.ts';
import { tokensCommand, tokensCreateSpec } from './tokens.ts';

export const gatewayVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const topUsage = `edc-gateway — gateway bank untuk EDC offline PKH / bank-side gateway of the offline PKH EDC

Pemakaian / Usage: edc-gateway <perintah/command> [opsi/options]

Perintah / Commands:
  init --dir D                       buat kunci dan konfigurasi / make keys and config
  public-key --dir D                 cetak kunci publik gateway / print the gateway's public key
  import disbursements FILE --dir D --bank B --tahap T [--layout L] [--rejects OUT] [--date-grace-days N]
                                     impor berkas penyaluran bank / import a bank disbursement file
  import bundle FILE --dir D         masukkan bundel agen / ingest an agent's exported bundle
  agents add|list|revoke --dir D ... daftarkan agen dan alokasikan KPM / enrol agents, allocate KPMs
  tokens create --dir D --role R     buat token staf (sekali tampil) / create a staff token (shown once)
  keys rotate-data-key --dir D       kunci data baru untuk segel at-rest / new data key for sealing at rest
  receipt verify CODE|QR-TEXT --dir D
                                     periksa keaslian struk KPM / check a KPM's struk is genuine
  reconcile --dir D --tahap T        hitung ulang dan bandingkan / full recompute, compare, store
  report --dir D --tahap T --format csv|json [--bank B] [--region R]
                                     ringkasan dan settlement / summary and settlement
  serve --dir D [--host H] [--port N] [--tls-cert F --tls-key F]
                                     jalankan gateway HTTP(S) / run the HTTP(S) gateway (holds the store;
                                     report, reconcile, agents list ask it meanwhile)
  migrate --store postgres://...     siapkan skema PostgreSQL / bring a PostgreSQL schema up to date

Perintah yang membuka penyimpanan menerima --store postgres://... atau folder (juga
$EDC_GATEWAY_STORE, "store" di config.json) / commands that open the store take --store
postgres://... or a folder (also $EDC_GATEWAY_STORE, "store" in config.json).

Setiap perintah menerima --help / every command accepts --help. --version: versi / version.
`;

/** Commands with subcommands: `edc-gateway agents --help` lists the subcommands' usages. */
const groupUsages = {
  agents: [agentsAddSpec, agentsListSpec, agentsRevokeSpec],
  tokens: [tokensCreateSpec],
  keys: [keysRotateSpec],
  import: [importDisbursementsSpec, importBundleSpec],
  receipt: [receiptVerifySpec],
} as const;

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h' || arg === 'help';
}

function groupHelp(group: keyof typeof groupUsages, io: CliIo): number {
  io.out(groupUsages[group].map((spec) => spec.usage).join('\n\n') + '\n');
  return 0;
}

const commands: Readonly<Record<string, (rest: readonly string[], io: CliIo) => Promise<number>>> = {
  init: (rest, io) => initCommand(rest, io),
  'public-key': (rest, io) => publicKeyCommand(rest, io),
  serve: (rest, io) => serveCommand(rest, io),
  migrate: (rest, io) => migrateCommand(rest, io),
  agents: (rest, io) =>
    isHelp(rest[0]) ? Promise.resolve(groupHelp('agents', io)) : agentsCommand(rest[0], rest.slice(1), io),
  tokens: (rest, io) =>
    isHelp(rest[0]) ? Promise.resolve(groupHelp('tokens', io)) : tokensCommand(rest[0], rest.slice(1), io),
  keys: (rest, io) =>
    isHelp(rest[0]) ? Promise.resolve(groupHelp('keys', io)) : keysCommand(rest[0], rest.slice(1), io),
  import: (rest, io) =>
    isHelp(rest[0]) ? Promise.resolve(groupHelp('import', io)) : importCommand(rest[0], rest.slice(1), io),
  receipt: (rest, io) =>
    isHelp(rest[0]) ? Promise.resolve(groupHelp('receipt', io)) : receiptCommand(rest[0], rest.slice(1), io),
  reconcile: (rest, io) => reconcileCommand(rest, io),
  report: (rest, io) => reportCommand(rest, io),
};

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || isHelp(command)) {
    io.out(topUsage);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    io.out(`edc-gateway ${gatewayVersion}\n`);
    return 0;
  }
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (run === undefined)
    throw usageError(
      `Perintah tidak dikenal: ${JSON.stringify(command.slice(0, 40))}`,
      `Unknown command ${JSON.stringify(command.slice(0, 40))}`,
    );
  return run(rest, io);
}

/** One line: the code, then Bahasa Indonesia / English (line breaks inside a message folded). */
export function errorLine(code: string, message: string): string {
  return `edc-gateway: ${code}: ${bilingualMessage(code, message).replace(/\s*\n\s*/g, '; ')}\n`;
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof OutputClosed) return outputFailed() ? 1 : 0;
    if (isEdcError(error)) {
      io.err(errorLine(error.code, error.message));
      return error.code === ERR_CLI_USAGE.code ? 2 : 1;
    }
    io.err(errorLine(ERR_INTERNAL.code, `Kesalahan tak terduga / Unexpected failure: ${(error as Error).message}`));
    return 1;
  }
}
