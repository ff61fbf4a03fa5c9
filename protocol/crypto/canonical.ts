/**
 * Canonical bytes for everything signed or hashed between agent and gateway.
 *
 * The encoding is JSON restricted so that one value has exactly one byte string (a subset of
 * RFC 8785, JCS): object keys sorted by UTF-16 code units, no whitespace, strings escaped as
 * JSON.stringify does, numbers only as safe integers (money is integer rupiah, times are integer
 * milliseconds), no undefined, no floats, no NaN. Anything else is refused rather than silently
 * normalised, so two implementations can never disagree about what was signed.
 *
 * What is signed is `domain || 0x0A || canonicalJson(body)`: the domain tag (for example
 * `edc.entry.v1`) keeps a signature over one kind of message from being valid for another.
 */
import { ERR_CANONICAL_VALUE } from './errors.ts';

export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new ERR_CANONICAL_VALUE(`Cannot canonicalise ${path}: expected a safe integer, found ${String(value)}`, {
          path,
        });
      }
      return Object.is(value, -0) ? '0' : String(value);
    case 'object':
      return Array.isArray(value) ? encodeArray(value, path) : encodeObject(value, path);
    default:
      throw new ERR_CANONICAL_VALUE(
        `Cannot canonicalise ${path}: values of type ${typeof value} have no canonical form`,
        { path },
      );
  }
}

function encodeArray(value: readonly unknown[], path: string): string {
  return `[${value.map((item, i) => encode(item, `${path}[${i}]`)).join(',')}]`;
}

function encodeObject(value: object, path: string): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new ERR_CANONICAL_VALUE(
      `Cannot canonicalise ${path}: expected a plain object, found ${value.constructor.name}`,
      { path },
    );
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort(compareCodeUnits);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`)}`).join(',')}}`;
}

/** Sorts by UTF-16 code units, as RFC 8785 does (Array.prototype.sort's default order). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const encoder = new TextEncoder();

/** The exact bytes a signature or hash covers: UTF-8 of `domain + "\n" + canonicalJson(body)`. */
export function signingBytes(domain: string, body: unknown): Uint8Array {
  if (!/^[a-z0-9.]+\.v[0-9]+$/.test(domain)) {
    throw new ERR_CANONICAL_VALUE(`Cannot build signing bytes: domain must look like name.v1, found ${domain}`, {
      domain,
    });
  }
  return encoder.encode(`${domain}\n${canonicalJson(body)}`);
}
