/**
 * edc-sim modem: simulated GSM modems on socat pseudo-terminals joined by a simulated SMS
 * network. For each modem, socat makes a pty pair: the host (agent or gateway) opens `path` as
 * its serial port; the simulator holds the other end (`path` + ".sim").
 */
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../rig/socat.ts';
import { ERR_SIM_MODEM } from '../errors.ts';
import { AtModem } from './at-modem.ts';
import { SmsNetwork, type NetworkOptions, type NetworkStats } from './network.ts';

export { AtModem, storageSlots } from './at-modem.ts';
export { SmsNetwork, type NetworkOptions, type NetworkStats } from './network.ts';

export interface ModemSpec {
  /** Phone number, "+62..." */
  readonly number: string;
  /** Where socat puts the host side of the pty pair. */
  readonly path: string;
}

export interface RunningModems {
  readonly network: SmsNetwork;
  readonly stats: NetworkStats;
  close(): Promise<void>;
}

function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
  return new Promise((resolve, reject) => {
    port.open((error) =>
      error === null
        ? resolve(port)
        : reject(new ERR_SIM_MODEM(`Cannot open the modem's side ${path}: ${error.message}`, { path }, error)),
    );
  });
}

export async function startModems(
  modems: readonly ModemSpec[],
  network: NetworkOptions,
  log?: (number: string, line: string) => void,
): Promise<RunningModems> {
  const sms = new SmsNetwork(network);
  const pairs: PtyPair[] = [];
  const ports: SerialPort[] = [];
  const close = async (): Promise<void> => {
    sms.close();
    await Promise.all(ports.map((port) => new Promise((done) => (port.isOpen ? port.close(done) : done(null)))));
    await Promise.all(pairs.map((pair) => pair.close()));
  };
  try {
    for (const spec of modems) {
      const pair = await openPtyPair(spec.path, `${spec.path}.sim`);
      pairs.push(pair);
      const port = await openPort(pair.terminalPath);
      ports.push(port);
      const modem = new AtModem({
        number: spec.number,
        network: sms,
        write: (text) => void port.write(text),
        ...(log === undefined ? {} : { log: (line: string) => log(spec.number, line) }),
      });
      port.on('data', (chunk: Buffer) => modem.input(chunk));
      port.on('error', () => undefined);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { network: sms, stats: sms.stats, close };
}
