/** Entry point of `edc-gateway` (bin/edc-gateway.mjs imports this file). */
import { runCli } from './cli/main.ts';

process.exitCode = await runCli(process.argv.slice(2));
