/**
 * A software Y cable over real pseudo-terminals, as a field engineer's tap is built from an
 * RS-232 Y cable: the terminal and the agent each have their own socat pair, and a relay in the
 * middle passes every byte on unchanged while copying it to tap devices the monitor reads: one
 * tap per direction (the terminal's and the agent's transmit lines) and one that merges both.
 * `inject` puts bytes on the line towards the agent as if the terminal had sent them (garbage,
 * truncated frames), so the agent and every tap see them.
 */
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../../../simulators/rig/socat.ts';

export interface YCable {
  /** Where the terminal simulator opens its serial port. */
  readonly terminalPath: string;
  /** Where the agent opens its serial port. */
  readonly agentPath: string;
  /** Tap devices: the terminal's transmit line, the agent's, and both merged. */
  readonly taps: { readonly terminal: string; readonly agent: string; readonly merged: string };
  inject(bytes: Uint8Array): void;
  close(): Promise<void>;
}

function open(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  return new Promise((resolve, reject) => port.open((error) => (error === null ? resolve(port) : reject(error))));
}

export async function openYCable(dir: string): Promise<YCable> {
  const pair = (name: string): Promise<PtyPair> => openPtyPair(join(dir, `${name}-a`), join(dir, `${name}-b`));
  const pairs = {
    terminal: await pair('terminal'),
    agent: await pair('agent'),
    tapTerminal: await pair('tap-terminal'),
    tapAgent: await pair('tap-agent'),
    tapMerged: await pair('tap-merged'),
  };
  const fromTerminal = await open(pairs.terminal.agentPath);
  const toAgent = await open(pairs.agent.agentPath);
  const tapTerminal = await open(pairs.tapTerminal.agentPath);
  const tapAgent = await open(pairs.tapAgent.agentPath);
  const tapMerged = await open(pairs.tapMerged.agentPath);
  const towardsAgent = (chunk: Uint8Array): void => {
    toAgent.write(Buffer.from(chunk));
    tapTerminal.write(Buffer.from(chunk));
    tapMerged.write(Buffer.from(chunk));
  };
  fromTerminal.on('data', (chunk: Buffer) => towardsAgent(chunk));
  toAgent.on('data', (chunk: Buffer) => {
    fromTerminal.write(chunk);
    tapAgent.write(chunk);
    tapMerged.write(chunk);
  });
  const ports = [fromTerminal, toAgent, tapTerminal, tapAgent, tapMerged];
  return {
    terminalPath: pairs.terminal.terminalPath,
    agentPath: pairs.agent.terminalPath,
    taps: {
      terminal: pairs.tapTerminal.terminalPath,
      agent: pairs.tapAgent.terminalPath,
      merged: pairs.tapMerged.terminalPath,
    },
    inject: towardsAgent,
    async close() {
      await Promise.all(ports.map((port) => new Promise((done) => (port.isOpen ? port.close(done) : done(null)))));
      for (const p of Object.values(pairs)) await p.close();
    },
  };
}
