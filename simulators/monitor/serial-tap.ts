/**
 * Serial taps: devices that receive a copy of the line's bytes and are only ever read. A real
 * tap (an RS-232 Y cable into two USB-serial adapters) carries one direction per device: the
 * terminal's transmit line on one, the agent's on the other. A tap that merges both lines onto
 * one device is read as `merged`, and the monitor guesses each frame's direction.
 */
import { SerialPort } from 'serialport';
import { serialPortDefaults } from '../../protocol/link/constants.ts';
import { ERR_SIM_MONITOR_SOURCE } from '../errors.ts';
import type { StreamSide } from './decoders.ts';
import type { LineSink } from './sink.ts';

export interface TapDevice {
  readonly path: string;
  readonly side: StreamSide;
}

export interface OpenTaps {
  close(): Promise<void>;
}

function openPort(tap: TapDevice, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ ...serialPortDefaults, path: tap.path, baudRate, autoOpen: false });
  return new Promise((resolve, reject) => {
    port.open((error) =>
      error === null
        ? resolve(port)
        : reject(
            new ERR_SIM_MONITOR_SOURCE(`Cannot open the tap ${tap.path}: ${error.message}`, { path: tap.path }, error),
          ),
    );
  });
}

export async function openSerialTaps(taps: readonly TapDevice[], baudRate: number, sink: LineSink): Promise<OpenTaps> {
  const ports: SerialPort[] = [];
  let closing = false;
  try {
    for (const tap of taps) {
      const port = await openPort(tap, baudRate);
      ports.push(port);
      port.on('data', (chunk: Buffer) => sink.bytes(tap.side, undefined, chunk));
      const lost = (reason: string): void => {
        if (!closing) sink.fail(new ERR_SIM_MONITOR_SOURCE(`The tap ${tap.path} ${reason}`, { path: tap.path }));
      };
      port.on('error', (error: Error) => lost(`failed: ${error.message}`));
      port.on('close', () => lost('closed (device unplugged, or its other end went away)'));
    }
  } catch (error) {
    closing = true;
    await Promise.all(ports.map((port) => new Promise((done) => port.close(done))));
    throw error;
  }
  return {
    async close() {
      closing = true;
      await Promise.all(ports.map((port) => new Promise((done) => (port.isOpen ? port.close(done) : done(null)))));
    },
  };
}
