/**
 * TPDU header, 5 bytes: 0x60 (transport protocol id), destination address (2 bytes), source
 * address (2 bytes), both big-endian. The terminal addresses the agent by its NII as the
 * destination; a response carries the request's addresses swapped.
 */
import { ERR_ISO_TPDU } from './errors.ts';
import type { ByteReader } from './reader.ts';
import type { Tpdu } from './types.ts';

export const tpduId = 0x60;
export const tpduBytes = 5;

export function checkTpdu(tpdu: unknown): asserts tpdu is Tpdu {
  const record = (typeof tpdu === 'object' && tpdu !== null ? tpdu : {}) as Record<string, unknown>;
  for (const name of ['destination', 'source'] as const) {
    const address = record[name];
    if (typeof address !== 'number' || !Number.isInteger(address) || address < 0 || address > 0xffff) {
      throw new ERR_ISO_TPDU(`Cannot accept TPDU: expected ${name} address 0..65535, found ${String(address)}`, {
        part: 'tpdu',
      });
    }
  }
}

export function encodeTpdu(tpdu: Tpdu): Uint8Array {
  checkTpdu(tpdu);
  return Uint8Array.of(tpduId, tpdu.destination >> 8, tpdu.destination & 0xff, tpdu.source >> 8, tpdu.source & 0xff);
}

export function readTpdu(reader: ByteReader): Tpdu {
  const bytes = reader.take(tpduBytes, { part: 'tpdu' });
  if (bytes[0] !== tpduId) {
    throw new ERR_ISO_TPDU(
      `Cannot decode TPDU: expected id 0x60, found 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}`,
      { part: 'tpdu' },
    );
  }
  return { destination: ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0), source: ((bytes[3] ?? 0) << 8) | (bytes[4] ?? 0) };
}

/** The TPDU of the response to a request carrying `tpdu`: destination and source swapped. */
export function swapTpdu(tpdu: Tpdu): Tpdu {
  return { destination: tpdu.source, source: tpdu.destination };
}
