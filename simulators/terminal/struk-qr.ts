/**
 * The struk's proof (ISO 8583 field 61 of an approved 0210, protocol/README.md "Struk proof and
 * struk code") as a QR: text art for a terminal (two modules per character cell, half blocks),
 * or a PNG file. The QR holds the proof text exactly; error correction level M.
 */
import QRCode from 'qrcode';
import { decodeStrukProof, strukCode } from '../../protocol/struk/index.ts';
import { isEdcError } from '../../protocol/errors.ts';

/** The struk code of a proof, or undefined when the field does not decode as one. */
export function strukCodeOf(proofText: string | undefined): string | undefined {
  if (proofText === undefined) return undefined;
  try {
    const proof = decodeStrukProof(proofText);
    return strukCode(proof.agentId, proof.seq, proof.entryHash);
  } catch (error) {
    if (isEdcError(error)) return undefined;
    throw error;
  }
}

/** QR text art: a quiet zone of 2 modules, dark modules drawn, upper/lower halves per line. */
export function qrTextArt(text: string): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 2;
  const dark = (row: number, col: number): boolean => {
    const r = row - quiet;
    const c = col - quiet;
    return r >= 0 && c >= 0 && r < size && c < size && qr.modules.get(r, c) === 1;
  };
  const lines: string[] = [];
  for (let row = 0; row < size + 2 * quiet; row += 2) {
    let line = '';
    for (let col = 0; col < size + 2 * quiet; col += 1) {
      const top = dark(row, col);
      const bottom = dark(row + 1, col);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** Writes the QR of `text` as a PNG (4 pixels per module, quiet zone 4 modules). */
export async function writeQrPng(path: string, text: string): Promise<void> {
  await QRCode.toFile(path, text, { type: 'png', errorCorrectionLevel: 'M', scale: 4, margin: 4 });
}
