/**
 * Structural equality of two messages, as the wire sees them: TPDU addresses, MTI and every
 * present field (a field set to undefined counts as absent; bytes compare by content).
 */
import type { IsoMessage } from './types.ts';

export function messagesEqual(a: IsoMessage, b: IsoMessage): boolean {
  return (
    a.tpdu.destination === b.tpdu.destination &&
    a.tpdu.source === b.tpdu.source &&
    a.mti === b.mti &&
    valuesEqual(a.fields, b.fields)
  );
}

function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return (
      a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i])
    );
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => valuesEqual(item, b[i]))
    );
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = definedKeys(a);
  const keysB = definedKeys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => valuesEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function definedKeys(record: object): string[] {
  return Object.keys(record)
    .filter((key) => (record as Record<string, unknown>)[key] !== undefined)
    .sort();
}
