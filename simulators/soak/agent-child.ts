/**
 * An agent process of the soak: exactly `edc-agent start --dir D` (agent/cli.ts), with one
 * difference a real shop PC also has: its wall clock can jump. Date.now is the wall clock every
 * part of the agent reads; here it is the real clock plus an offset, set at start from
 * EDC_SOAK_CLOCK_OFFSET_MS and changed by the soak over IPC (`{clockOffsetMs}`), like an operator
 * or a flat RTC battery setting the system clock. performance.now (the agent's monotonic clock)
 * is left alone, as a clock change leaves CLOCK_MONOTONIC alone: that is what the agent's trusted
 * clock relies on (agent/core/trusted-clock.ts). Storage faults come from EDC_AGENT_STORAGE_FAULTS,
 * read by the agent itself (agent/core/faulty-db.ts).
 * Usage: node --import tsx simulators/soak/agent-child.ts start --dir D
 */
import { clockOffsetEnv } from './clock-env.ts';

const realNow = Date.now.bind(Date);
let offsetMs = Number(process.env[clockOffsetEnv] ?? '0');
if (!Number.isSafeInteger(offsetMs)) offsetMs = 0;
Date.now = () => realNow() + offsetMs;
process.on('message', (message: { clockOffsetMs?: unknown }) => {
  if (typeof message.clockOffsetMs === 'number' && Number.isSafeInteger(message.clockOffsetMs))
    offsetMs = message.clockOffsetMs;
});

// Imported after Date.now is replaced, so nothing holds the real one.
const { runCli } = await import('../../agent/cli.ts');
const status = await runCli(process.argv.slice(2), {
  out: (line) => void process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
  err: (line) => void process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
});
process.exit(status);
