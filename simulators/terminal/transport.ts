/**
 * How a simulated terminal reaches the agent: a TCP connection (2-byte length prefix) or a serial
 * device (STX/LEN/ETX/LRC with ACK/NAK), behind one small interface. Both carry the fault
 * injection the rig needs: a corrupted next frame, a lost ACK (serial: the terminal does not ACK
 * the next response, so the agent resends it), and power loss (the line drops without goodbye).
 */
import net from 'node:net';
import { SerialPort } from 'serialport';
import { ACK, serialPortDefaults } from '../../protocol/link/constants.ts';
import { SerialLinkSession } from '../../protocol/link/serial-session.ts';
import { TcpFrameDecoder } from '../../protocol/link/tcp-decoder.ts';
import { encodeTcpFrame } from '../../protocol/link/tcp-frame.ts';
import type { EdcError } from '../../protocol/errors.ts';

export interface TerminalTransport {
  /** Sends one ISO 8583 payload (serial: resolves once the agent ACKed it). */
  send(payload: Uint8Array): Promise<void>;
  /** Registers the receiver of every payload from the agent. */
  onPayload(receiver: (payload: Uint8Array) => void): void;
  /** Flips the last payload byte of the next frame sent. */
  corruptNextFrame(): void;
  /** Serial: the next response from the agent is not ACKed. TCP: no ACK exists, so a no-op. */
  loseNextAck(): void;
  /** Power loss: drops the line at once, nothing flushed. */
  powerLoss(): void;
  close(): Promise<void>;
  readonly kind: 'tcp' | 'serial';
}

/**
 * Flips the last payload byte of a frame (trailerBytes: 0 for TCP, ETX + LRC for serial), so the
 * framing stays intact: serial catches it by LRC and NAKs; over TCP it reaches the ISO decoder
 * or the agent's field checks.
 */
function corrupt(frame: Uint8Array, trailerBytes: number): Uint8Array {
  const copy = frame.slice();
  const at = copy.length - 1 - trailerBytes;
  copy[at] = copy[at]! ^ 0x5a;
  return copy;
}

export function connectTcpTerminal(host: string, port: number): Promise<TerminalTransport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.setNoDelay(true);
      resolve(tcpTransport(socket));
    });
  });
}

function tcpTransport(socket: net.Socket): TerminalTransport {
  const decoder = new TcpFrameDecoder({ payloadBytesMax: 0xffff });
  let receiver: (payload: Uint8Array) => void = () => undefined;
  let corruptNext = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    for (const event of decoder.push(chunk)) if (event.type === 'frame') receiver(event.payload);
  });
  return {
    kind: 'tcp',
    send(payload) {
      let frame = encodeTcpFrame(payload, { payloadBytesMax: 0xffff });
      if (corruptNext) {
        corruptNext = false;
        frame = corrupt(frame, 0);
      }
      return new Promise((resolve, reject) => socket.write(frame, (err) => (err ? reject(err) : resolve())));
    },
    onPayload: (next) => void (receiver = next),
    corruptNextFrame: () => void (corruptNext = true),
    loseNextAck: () => undefined,
    powerLoss: () => void socket.resetAndDestroy(),
    close: () => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.end(() => resolve()))),
  };
}

export interface SerialTerminalOptions {
  readonly path: string;
  readonly baudRate?: number;
  readonly ackWaitMs?: number;
  readonly onLinkError?: (error: EdcError) => void;
}

export function openSerialTerminal(options: SerialTerminalOptions): Promise<TerminalTransport> {
  const port = new SerialPort({
    ...serialPortDefaults,
    path: options.path,
    baudRate: options.baudRate ?? serialPortDefaults.baudRate,
    autoOpen: false,
  });
  return new Promise((resolve, reject) => {
    port.open((err) => (err === null ? resolve(serialTransport(port, options)) : reject(err)));
  });
}

function serialTransport(port: SerialPort, options: SerialTerminalOptions): TerminalTransport {
  let receiver: (payload: Uint8Array) => void = () => undefined;
  let corruptNext = false;
  let loseAck = false;
  const session = new SerialLinkSession({
    write(bytes) {
      if (loseAck && bytes.length === 1 && bytes[0] === ACK) {
        loseAck = false;
        return;
      }
      let out = bytes;
      if (corruptNext && bytes.length > 1) {
        corruptNext = false;
        out = corrupt(bytes, 2);
      }
      port.write(Buffer.from(out));
    },
    onMessage: (payload) => receiver(payload),
    onError: (error) => options.onLinkError?.(error),
    ackWaitMs: options.ackWaitMs,
    // 8N1: ten bits per byte, so the ACK wait allows for the frame's own time on the line.
    lineBytesPerSecond: (options.baudRate ?? serialPortDefaults.baudRate) / 10,
  });
  port.on('data', (chunk: Buffer) => session.receive(chunk));
  port.on('error', () => undefined);
  return {
    kind: 'serial',
    send: (payload) => session.send(payload),
    onPayload: (next) => void (receiver = next),
    corruptNextFrame: () => void (corruptNext = true),
    loseNextAck: () => void (loseAck = true),
    powerLoss() {
      session.close();
      if (port.isOpen) port.close();
    },
    close() {
      session.close();
      return new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    },
  };
}
