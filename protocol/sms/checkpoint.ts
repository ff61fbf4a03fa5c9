/**
 * The signed ledger checkpoint an agent sends as one binary SMS while it cannot upload
 * (protocol/README.md, "Signed checkpoint over SMS"). Exactly 140 octets: one SMS user data.
 *
 *   0   2  magic 0xEC 0x01 (checkpoint, version 1)
 *   2  22  agent id, 3 symbols per big-endian uint16 (base 40), 33 symbols, 0 pads the end
 *  24   4  seq, uint32 BE, >= 1: the agent's head when it signed
 *  28   6  at, uint48 BE, EpochMs of the agent's clock
 *  34   5  withdrawn, uint40 BE, rupiah: sum of withdrawal amounts seq 1..seq
 *  39   5  reversed, uint40 BE, rupiah: sum of reversal amounts seq 1..seq (<= withdrawn)
 *  44  32  head hash: the hash of the entry at seq
 *  76  64  Ed25519 signature of "edc.checkpoint.v1\n" + octets 0..75
 */
import { signInDomain, verifyInDomain } from '../crypto/ed25519.ts';
import { agentIdPattern } from '../ids.ts';
import { toHex } from '../crypto/encoding.ts';
import { ERR_CHECKPOINT_FIELD, ERR_CHECKPOINT_FORMAT, ERR_CHECKPOINT_SIGNATURE } from './errors.ts';

export const checkpointOctets = 140;
export const checkpointDomain = 'edc.checkpoint.v1';
export const checkpointMagic = [0xec, 0x01] as const;
/** Largest rupiah total a checkpoint carries (the protocol's Rupiah maximum). */
export const checkpointRupiahMax = 1_000_000_000_000;
const signedOctets = 76;
/** Largest time a checkpoint carries: 2^48 - 1 ms (year 10889). */
export const checkpointAtMax = 2 ** 48 - 1;
/** Base-40 alphabet of the agent id field: index 0 pads, then 0-9, A-Z, '-'. */
const alphabet = '\u00000123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-';
const agentIdSymbols = 33;

export interface CheckpointBody {
  readonly agentId: string;
  readonly seq: number;
  readonly at: number;
  readonly withdrawn: number;
  readonly reversed: number;
  /** Lower-case hex SHA-256 of the entry at seq. */
  readonly headHash: string;
}

export interface Checkpoint extends CheckpointBody {
  /** Ed25519 signature, 64 bytes as lower-case hex. */
  readonly sig: string;
}

function fieldError(field: string, expected: string, found: unknown): never {
  throw new ERR_CHECKPOINT_FIELD(`Cannot encode checkpoint ${field}: expected ${expected}, found ${String(found)}`, {
    field,
  });
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) fieldError(field, `an integer ${min}..${max}`, value);
}

function checkBody(body: CheckpointBody): void {
  if (typeof body.agentId !== 'string' || !agentIdPattern.test(body.agentId)) {
    fieldError('agentId', 'an AgentId ^[A-Z0-9][A-Z0-9-]{2,31}$', body.agentId);
  }
  checkInteger('seq', body.seq, 1, 0xffff_ffff);
  checkInteger('at', body.at, 0, checkpointAtMax);
  checkInteger('withdrawn', body.withdrawn, 0, checkpointRupiahMax);
  checkInteger('reversed', body.reversed, 0, body.withdrawn);
  if (typeof body.headHash !== 'string' || !/^[0-9a-f]{64}$/.test(body.headHash)) {
    fieldError('headHash', '64 lower-case hex characters', body.headHash);
  }
}

function writeUint(out: Uint8Array, offset: number, width: number, value: number): void {
  let rest = value;
  for (let i = width - 1; i >= 0; i -= 1) {
    out[offset + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

function readUint(bytes: Uint8Array, offset: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i += 1) value = value * 256 + bytes[offset + i]!;
  return value;
}

export function packAgentId(agentId: string, out: Uint8Array, offset: number): void {
  const symbols = [...agentId].map((c) => alphabet.indexOf(c));
  while (symbols.length < agentIdSymbols) symbols.push(0);
  for (let g = 0; g < agentIdSymbols / 3; g += 1) {
    const value = symbols[3 * g]! * 1600 + symbols[3 * g + 1]! * 40 + symbols[3 * g + 2]!;
    writeUint(out, offset + 2 * g, 2, value);
  }
}

function formatError(problem: string, details: Record<string, unknown> = {}): never {
  throw new ERR_CHECKPOINT_FORMAT(`Cannot decode checkpoint: ${problem}`, details);
}

export function unpackAgentId(bytes: Uint8Array, offset: number): string {
  const symbols: number[] = [];
  for (let g = 0; g < agentIdSymbols / 3; g += 1) {
    const value = readUint(bytes, offset + 2 * g, 2);
    if (value >= 64_000) formatError(`expected agent id groups below 64000, found ${value}`, { octet: offset + 2 * g });
    symbols.push(Math.floor(value / 1600), Math.floor(value / 40) % 40, value % 40);
  }
  const end = symbols.indexOf(0);
  const used = end === -1 ? symbols : symbols.slice(0, end);
  if (symbols.slice(used.length).some((s) => s !== 0)) formatError('expected only padding after the agent id end');
  const agentId = used.map((s) => alphabet[s]).join('');
  if (!agentIdPattern.test(agentId)) formatError(`expected an AgentId, found ${JSON.stringify(agentId)}`);
  return agentId;
}

/** The 76 octets a checkpoint's signature covers (without the signature). */
export function checkpointBodyOctets(body: CheckpointBody): Uint8Array {
  checkBody(body);
  const out = new Uint8Array(signedOctets);
  out.set(checkpointMagic, 0);
  packAgentId(body.agentId, out, 2);
  writeUint(out, 24, 4, body.seq);
  writeUint(out, 28, 6, body.at);
  writeUint(out, 34, 5, body.withdrawn);
  writeUint(out, 39, 5, body.reversed);
  out.set(Buffer.from(body.headHash, 'hex'), 44);
  return out;
}

/** Signs a checkpoint with the agent's 32-byte Ed25519 seed (base64); returns the 140 octets. */
export function encodeCheckpoint(body: CheckpointBody, seed: string): Uint8Array {
  const octets = checkpointBodyOctets(body);
  const sig = signInDomain(checkpointDomain, octets, seed);
  return new Uint8Array(Buffer.concat([octets, sig]));
}

/** Decodes 140 octets strictly; does not verify the signature (see verifyCheckpoint). */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== checkpointOctets) {
    formatError(
      `expected ${checkpointOctets} octets, found ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
  if (bytes[0] !== checkpointMagic[0] || bytes[1] !== checkpointMagic[1]) {
    formatError(`expected magic ec01, found ${toHex(bytes.subarray(0, 2))}`, { octet: 0 });
  }
  const body: CheckpointBody = {
    agentId: unpackAgentId(bytes, 2),
    seq: readUint(bytes, 24, 4),
    at: readUint(bytes, 28, 6),
    withdrawn: readUint(bytes, 34, 5),
    reversed: readUint(bytes, 39, 5),
    headHash: toHex(bytes.subarray(44, 76)),
  };
  try {
    checkBody(body);
  } catch (error) {
    formatError((error as Error).message.replace(/^Cannot encode checkpoint /, 'field '));
  }
  return { ...body, sig: toHex(bytes.subarray(76, 140)) };
}

/** true when the signature verifies against the agent's 32-byte public key (base64). */
export function checkpointVerifies(checkpoint: Checkpoint, publicKey: string): boolean {
  return verifyInDomain(checkpointDomain, checkpointBodyOctets(checkpoint), checkpoint.sig, publicKey);
}

/** Decodes and verifies; throws EDC_ERR_CHECKPOINT_FORMAT or EDC_ERR_CHECKPOINT_SIGNATURE. */
export function verifyCheckpoint(bytes: Uint8Array, publicKey: string): Checkpoint {
  const checkpoint = decodeCheckpoint(bytes);
  if (!checkpointVerifies(checkpoint, publicKey)) {
    throw new ERR_CHECKPOINT_SIGNATURE(
      `Cannot accept checkpoint of ${checkpoint.agentId} seq ${checkpoint.seq}: ` +
        "expected a signature by the agent's key, found one that does not verify",
      { agentId: checkpoint.agentId, seq: checkpoint.seq },
    );
  }
  return checkpoint;
}
