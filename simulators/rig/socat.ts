/**
 * A socat pseudo-terminal pair: the agent opens one end as its serial port, the simulated
 * terminal the other, so the serial link (STX/LEN/ETX/LRC, ACK/NAK) runs over a real tty.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERR_SIM_RIG_SETUP } from '../errors.ts';

export interface PtyPair {
  readonly agentPath: string;
  readonly terminalPath: string;
  close(): Promise<void>;
}

const ptyWaitMs = 5_000;
const ptyPollMs = 20;

export async function openPtyPair(agentPath: string, terminalPath: string): Promise<PtyPair> {
  const child: ChildProcess = spawn(
    'socat',
    [`pty,raw,echo=0,link=${agentPath}`, `pty,raw,echo=0,link=${terminalPath}`],
    { stdio: 'ignore' },
  );
  let failed: Error | undefined;
  child.once('error', (error) => (failed = error));
  for (let waited = 0; !(existsSync(agentPath) && existsSync(terminalPath)); waited += ptyPollMs) {
    if (failed !== undefined || child.exitCode !== null || waited > ptyWaitMs) {
      child.kill('SIGTERM');
      throw new ERR_SIM_RIG_SETUP(
        `Cannot open a socat pseudo-terminal pair: expected ${agentPath} and ${terminalPath} within ${ptyWaitMs} ms,` +
          ` found ${failed?.message ?? `socat exit ${String(child.exitCode)}`}`,
        { agentPath },
      );
    }
    await sleep(ptyPollMs);
  }
  return {
    agentPath,
    terminalPath,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
