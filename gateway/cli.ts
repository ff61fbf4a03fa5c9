/** Entry point of `edc-gateway` (bin/edc-gateway.mjs imports this file). */
import { watchProcessOutput } from './cli/io.ts';
import { runCli } from './cli/main.ts';

watchProcessOutput();
const status = await runCli(process.argv.slice(2));
// An output failure noticed after the last write has already set exit status 1.
process.exitCode = process.exitCode === 1 ? 1 : status;
