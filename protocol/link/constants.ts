/**
 * Wire constants and named limits of the terminal link layer (protocol/README.md (Part 1)).
 * Limits carry their unit last; every default is exported so that both ends of a link (agent
 * and terminal simulator) are configured from one place.
 */
import { ERR_LINK_OPTIONS } from './errors.ts';

export const STX = 0x02;
export const ETX = 0x03;
export const EOT = 0x04;
export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;

export type ControlName = 'ACK' | 'NAK' | 'EOT' | 'ENQ';

/** The single bytes that mean something on their own when they arrive outside a frame. */
export const controlNames: ReadonlyMap<number, ControlName> = new Map<number, ControlName>([
  [ACK, 'ACK'],
  [NAK, 'NAK'],
  [EOT, 'EOT'],
  [ENQ, 'ENQ'],
]);

/** STX + 2 LEN bytes + ETX + LRC. */
export const serialFrameOverheadBytes = 5;
/** 2 bytes of big-endian length. */
export const tcpFrameOverheadBytes = 2;
/** The largest length 4 BCD digits can say; payloadBytesMax can be set lower, never higher. */
export const serialPayloadBytesCeiling = 9999;
/** The largest length a 16-bit prefix can say. */
export const tcpPayloadBytesCeiling = 0xffff;

/**
 * Defaults. payloadBytesMax: an ISO 8583 0200 with track 2, PIN block and EMV data stays well
 * under 1 KiB, so 2 KiB leaves room without letting one bad length byte pin 10 KB of buffer.
 * ackWaitMs and triesMax: the values common across ECR protocols (pkh.json
 * terminal_link_conventions). interByteTimeoutMs: at 9600 baud a byte takes about 1 ms, so a
 * silence of 1 s inside a frame means the sender stopped; it is kept below ackWaitMs so that the
 * receiver's NAK for a truncated frame reaches the sender before the sender's own ACK wait ends.
 * TCP's inter-byte timeout is longer because segments may be delayed by the network.
 */
export const linkDefaults = Object.freeze({
  payloadBytesMax: 2048,
  ackWaitMs: 2000,
  triesMax: 3,
  interByteTimeoutMs: 1000,
  tcpInterByteTimeoutMs: 5000,
  garbageRunBytesMax: 1024,
  /** 9600 baud, 8N1: 10 bits on the line per byte. */
  lineBytesPerSecond: 960,
});

/** Serial port settings the agent opens the terminal's port with (the link layer never opens ports). */
export const serialPortDefaults = Object.freeze({
  baudRate: 9600,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
} as const);

/** Refuses an option that is not an integer within [min, max]; returns it otherwise. */
export function checkIntegerOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ERR_LINK_OPTIONS(
      `Cannot configure link: ${name} must be an integer in [${min}, ${max}], found ${String(value)}`,
      {
        option: name,
        value,
        min,
        max,
      },
    );
  }
  return value;
}

/** Refuses a duration that is not a positive finite number of milliseconds. */
export function checkDurationOption(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ERR_LINK_OPTIONS(
      `Cannot configure link: ${name} must be a positive number of ms, found ${String(value)}`,
      {
        option: name,
        value,
      },
    );
  }
  return value;
}

/** Refuses a rate that is not a positive number (Infinity allowed: a line with no transmit time). */
export function checkRateOption(name: string, value: number): number {
  if (Number.isNaN(value) || value <= 0) {
    throw new ERR_LINK_OPTIONS(
      `Cannot configure link: ${name} must be a positive number (Infinity allowed), found ${String(value)}`,
      {
        option: name,
        value,
      },
    );
  }
  return value;
}
