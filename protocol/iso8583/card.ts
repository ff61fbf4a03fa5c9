/**
 * "PIN verified by the card": the offline agent cannot check a PIN itself (it holds no PIN keys),
 * so it relies on the chip's offline PIN check, reported by the terminal in field 55 as tag
 * 9F34 CVM Results (EMV Book 3, Annex C3), 3 bytes:
 *   byte 1 CVM code: low 6 bits 0x01 = plaintext PIN verified by ICC, 0x04 = enciphered PIN
 *          verified by ICC (offline); bit 0x40 ("apply next rule if unsuccessful") is ignored.
 *   byte 2 CVM condition: ignored.
 *   byte 3 result: 0x02 successful, 0x01 failed, 0x00 unknown.
 * Any other CVM code (online PIN, signature, no CVM) means the card did not check a PIN: 'absent'.
 */
import { ERR_ISO_TLV } from './errors.ts';
import { decodeTlv, findTlv, type TlvItem } from './tlv.ts';

export type CardPinResult = 'verified' | 'failed' | 'absent';
export type CardPinMethod = 'plaintext' | 'enciphered';

export const cvmResultsTag = '9F34';
const pinMethodCodes: Readonly<Record<CardPinMethod, number>> = { plaintext: 0x01, enciphered: 0x04 };

export function cardPinResult(field55: Uint8Array | undefined): CardPinResult {
  if (field55 === undefined) return 'absent';
  const cvm = findTlv(decodeTlv(field55), cvmResultsTag);
  if (cvm === undefined) return 'absent';
  if (cvm.length !== 3) {
    throw new ERR_ISO_TLV(`Cannot read CVM Results: expected 3 bytes, found ${cvm.length}`, {
      field: 55,
      tag: cvmResultsTag,
      reason: 'length',
    });
  }
  const method = (cvm[0] ?? 0) & 0x3f;
  if (method !== pinMethodCodes.plaintext && method !== pinMethodCodes.enciphered) return 'absent';
  const result = cvm[2] ?? 0;
  if (result === 0x02) return 'verified';
  if (result === 0x01) return 'failed';
  if (result === 0x00) return 'absent';
  throw new ERR_ISO_TLV(`Cannot read CVM Results: expected result 0x00, 0x01 or 0x02, found 0x${result.toString(16)}`, {
    field: 55,
    tag: cvmResultsTag,
    reason: 'result',
  });
}

/** The 9F34 item a terminal (or simulator) sends after the card checked the PIN offline. */
export function cardPinCvmResults(method: CardPinMethod, outcome: 'verified' | 'failed'): TlvItem {
  // Condition 0x03 = "if terminal supports the CVM", the usual condition for offline PIN rules.
  return {
    tag: cvmResultsTag,
    value: Uint8Array.of(pinMethodCodes[method], 0x03, outcome === 'verified' ? 0x02 : 0x01),
  };
}
