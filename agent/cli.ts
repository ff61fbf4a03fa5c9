/**
 * edc-agent: the agent's command line (run through bin/edc-agent.mjs). Dispatches to the
 * commands in agent/cli/commands.ts and turns any error into one line on stderr: a coded error
 * prints "edc-agent: CODE: message" (exit 2 for usage, 1 otherwise), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { isEdcError } from '../protocol/errors.ts';
import * as commands from './cli/commands.ts';
import type { Command, Output } from './cli/commands.ts';
import { ERR_CLI_USAGE, ERR_UNEXPECTED } from './cli/errors.ts';
import { helpTexts } from './cli/help.ts';

const table: Readonly<Record<string, Command>> = {
  init: commands.init,
  start: commands.start,
  status: commands.status,
  sync: commands.sync,
  'ledger verify': commands.ledgerVerify,
  'ledger export': commands.ledgerExport,
  resume: commands.resume,
  'public-key': commands.publicKey,
};

const helpFlags = new Set(['--help', '-h', 'help']);

export async function runCli(argv: readonly string[], io: Output): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || helpFlags.has(first)) {
    io.out(helpTexts.main ?? '');
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    io.out(packageVersion());
    return 0;
  }
  if (first === 'ledger' && (second === undefined || helpFlags.has(second))) {
    io.out(helpTexts.ledger ?? '');
    return second === undefined ? 2 : 0;
  }
  const twoWords = second === undefined ? undefined : `${first} ${second}`;
  const name = twoWords !== undefined && table[twoWords] !== undefined ? twoWords : first;
  const command = table[name];
  try {
    if (command === undefined) {
      const hint = first === 'ledger' ? ' (ledger verify | ledger export)' : '';
      throw new ERR_CLI_USAGE(
        `Perintah tidak dikenal / Unknown command ${JSON.stringify(name)}${hint}; see edc-agent --help`,
        { command: name },
      );
    }
    return await command(argv.slice(name.split(' ').length), io);
  } catch (err) {
    if (isEdcError(err)) {
      io.err(`edc-agent: ${err.code}: ${err.message}`);
      return err.code === ERR_CLI_USAGE.code ? 2 : 1;
    }
    io.err(`edc-agent: ${ERR_UNEXPECTED.code}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** The version in package.json, the one file every install carries. */
function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

const io: Output = {
  out: (line) => void process.stdout.write(line + '\n'),
  err: (line) => void process.stderr.write(line + '\n'),
};

// Run only as the program, not when imported by tests.
if (process.argv[1] !== undefined && /edc-agent(\.mjs)?$|agent[\\/]cli\.ts$/.test(process.argv[1])) {
  process.exitCode = await runCli(process.argv.slice(2), io);
}
