/**
 * The receipt a KPM can prove (protocol/README.md "Struk proof and struk code"): the agent signs
 * the essentials of an approved withdrawal entry; the terminal prints them as a QR (text
 * `EDC1.` + base64url) and a short struk code `AGENTID:SEQ:XXXX-XXXX` a KPM can read over the
 * phone. Anyone with the agent's public key verifies the QR offline; the gateway checks both
 * against the entry it holds.
 */
import { createHash } from 'node:crypto';
import { signInDomain, verifyInDomain } from '../crypto/ed25519.ts';
import { toHex } from '../crypto/encoding.ts';
import { agentIdPattern, kpmIdPattern } from '../ids.ts';
import { packAgentId, unpackAgentId } from '../sms/checkpoint.ts';
import { ERR_STRUK_PROOF_FIELD, ERR_STRUK_PROOF_FORMAT } from './errors.ts';

export const strukDomain = 'edc.struk.v1';
export const strukCodeDomain = 'edc.struk.code.v1';
export const strukQrPrefix = 'EDC1.';
export const strukMagic = [0xec, 0x02] as const;
/** Largest proof: 53 fixed octets, KPM id with its length (33), hash (32), signature (64). */
export const strukProofOctetsMax = 182;
const fixedOctets = 53;
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface StrukProofBody {
  readonly agentId: string;
  readonly seq: number;
  readonly at: number;
  readonly amount: number;
  readonly terminalId: string;
  readonly stan: string;
  readonly kpmId: string;
  /** The withdrawal entry's hash (lower-case hex). */
  readonly entryHash: string;
}

export interface StrukProof extends StrukProofBody {
  /** Ed25519 signature, lower-case hex. */
  readonly sig: string;
}

function fieldError(field: string, expected: string, found: unknown): never {
  throw new ERR_STRUK_PROOF_FIELD(`Cannot encode struk proof ${field}: expected ${expected}, found ${String(found)}`, {
    field,
  });
}

function checkBody(body: StrukProofBody): void {
  const int = (field: string, value: number, max: number, min = 0): void => {
    if (!Number.isSafeInteger(value) || value < min || value > max)
      fieldError(field, `an integer ${min}..${max}`, value);
  };
  if (typeof body.agentId !== 'string' || !agentIdPattern.test(body.agentId))
    fieldError('agentId', 'an AgentId', body.agentId);
  int('seq', body.seq, 0xffff_ffff, 1);
  int('at', body.at, 2 ** 48 - 1);
  int('amount', body.amount, 1_000_000_000_000, 1);
  if (typeof body.terminalId !== 'string' || !/^[\x20-\x7e]{8}$/.test(body.terminalId)) {
    fieldError('terminalId', '8 printable ASCII characters', body.terminalId);
  }
  if (typeof body.stan !== 'string' || !/^[0-9]{6}$/.test(body.stan)) fieldError('stan', '6 digits', body.stan);
  if (typeof body.kpmId !== 'string' || !kpmIdPattern.test(body.kpmId)) fieldError('kpmId', 'a KpmId', body.kpmId);
  if (typeof body.entryHash !== 'string' || !/^[0-9a-f]{64}$/.test(body.entryHash)) {
    fieldError('entryHash', '64 lower-case hex characters', body.entryHash);
  }
}

function writeUint(out: Buffer, offset: number, width: number, value: number): void {
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

/** The octets the signature covers (everything before it). */
export function strukProofBodyOctets(body: StrukProofBody): Buffer {
  checkBody(body);
  const out = Buffer.alloc(fixedOctets + 1 + body.kpmId.length + 32);
  out.set(strukMagic, 0);
  packAgentId(body.agentId, out, 2);
  writeUint(out, 24, 4, body.seq);
  writeUint(out, 28, 6, body.at);
  writeUint(out, 34, 5, body.amount);
  out.write(body.terminalId, 39, 'latin1');
  out.write(body.stan, 47, 'latin1');
  out[fixedOctets] = body.kpmId.length;
  out.write(body.kpmId, fixedOctets + 1, 'latin1');
  out.set(Buffer.from(body.entryHash, 'hex'), fixedOctets + 1 + body.kpmId.length);
  return out;
}

/** Signs with the agent's seed; returns the QR text `EDC1.<base64url>` (also ISO 8583 field 61). */
export function encodeStrukProof(body: StrukProofBody, seed: string): string {
  const octets = strukProofBodyOctets(body);
  const sig = signInDomain(strukDomain, octets, seed);
  return strukQrPrefix + Buffer.concat([octets, sig]).toString('base64url');
}

function formatError(problem: string): never {
  throw new ERR_STRUK_PROOF_FORMAT(`Cannot decode struk proof: ${problem}`);
}

/** Decodes QR text strictly (no signature check: see strukProofVerifies). */
export function decodeStrukProof(text: string): StrukProof {
  if (typeof text !== 'string' || !text.startsWith(strukQrPrefix) || text.length > 5 + 244) {
    formatError(`expected ${strukQrPrefix} and at most 244 base64url characters`);
  }
  const encoded = text.slice(strukQrPrefix.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded) || encoded.length % 4 === 1) formatError('expected base64url after EDC1.');
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.toString('base64url') !== encoded) formatError('expected canonical base64url (no padding, no stray bits)');
  if (bytes.length < fixedOctets + 1 + 4 + 32 + 64) formatError(`expected at least 154 octets, found ${bytes.length}`);
  if (bytes[0] !== strukMagic[0] || bytes[1] !== strukMagic[1]) formatError(`expected magic ec02`);
  const kpmLength = bytes[fixedOctets]!;
  const total = fixedOctets + 1 + kpmLength + 32 + 64;
  if (bytes.length !== total)
    formatError(`expected ${total} octets for a KPM id of ${kpmLength}, found ${bytes.length}`);
  let agentId: string;
  try {
    agentId = unpackAgentId(bytes, 2);
  } catch {
    formatError('expected a packed AgentId at octet 2');
  }
  const hashAt = fixedOctets + 1 + kpmLength;
  const body: StrukProofBody = {
    agentId,
    seq: readUint(bytes, 24, 4),
    at: readUint(bytes, 28, 6),
    amount: readUint(bytes, 34, 5),
    terminalId: bytes.toString('latin1', 39, 47),
    stan: bytes.toString('latin1', 47, 53),
    kpmId: bytes.toString('latin1', fixedOctets + 1, hashAt),
    entryHash: toHex(bytes.subarray(hashAt, hashAt + 32)),
  };
  try {
    checkBody(body);
  } catch (error) {
    formatError((error as Error).message.replace(/^Cannot encode struk proof /, 'field '));
  }
  return { ...body, sig: toHex(bytes.subarray(hashAt + 32)) };
}

export function strukProofVerifies(proof: StrukProof, publicKey: string): boolean {
  return verifyInDomain(strukDomain, strukProofBodyOctets(proof), proof.sig, publicKey);
}

/** The 8-character tag of an entry hash: 40 bits of SHA-256, Crockford base32, as XXXX-XXXX. */
export function strukTag(entryHash: string): string {
  const digest = createHash('sha256').update(`${strukCodeDomain}\n${entryHash}`, 'utf8').digest();
  let bits = 0n;
  for (let i = 0; i < 5; i += 1) bits = (bits << 8n) | BigInt(digest[i]!);
  let tag = '';
  for (let i = 7; i >= 0; i -= 1) tag += crockford[Number((bits >> BigInt(5 * i)) & 31n)];
  return `${tag.slice(0, 4)}-${tag.slice(4)}`;
}

/** The struk code a KPM reads out: `AGENTID:SEQ:XXXX-XXXX`. */
export function strukCode(agentId: string, seq: number, entryHash: string): string {
  return `${agentId}:${seq}:${strukTag(entryHash)}`;
}

export interface ParsedStrukCode {
  readonly agentId: string;
  readonly seq: number;
  readonly tag: string;
}

/**
 * Parses a struk code as read over the phone: case and spaces do not matter, and the letters
 * Crockford base32 reads alike are mapped (O→0, I and L→1) in the tag.
 */
export function parseStrukCode(text: string): ParsedStrukCode {
  const cleaned = typeof text === 'string' && text.length <= 80 ? text.toUpperCase().replace(/\s+/g, '') : '';
  const match = /^([A-Z0-9][A-Z0-9-]{2,31}):([1-9][0-9]{0,9}):([0-9A-Z]{4})-?([0-9A-Z]{4})$/.exec(cleaned);
  if (match === null || Number(match[2]) > 0xffff_ffff) {
    throw new ERR_STRUK_PROOF_FORMAT(
      `Cannot read struk code: expected AGENTID:SEQ:XXXX-XXXX, found ${String(text).slice(0, 80)}`,
    );
  }
  const tag = `${match[3]}${match[4]}`.replace(/O/g, '0').replace(/[IL]/g, '1');
  if (/U/.test(tag)) throw new ERR_STRUK_PROOF_FORMAT('Cannot read struk code: U is not a Crockford base32 character');
  return { agentId: match[1]!, seq: Number(match[2]), tag: `${tag.slice(0, 4)}-${tag.slice(4)}` };
}
