/** Byte encodings used on the wire: standard base64 (RFC 4648 section 4, padded) and lower-case hex. */
import { ERR_KEY_FORMAT } from './errors.ts';

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64: refuses characters Buffer.from would silently skip. Returns undefined when invalid. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Decodes a 32-byte key given as base64, or throws EDC_ERR_KEY_FORMAT naming what it is. */
export function key32FromBase64(text: string, what: string): Uint8Array {
  const bytes = fromBase64(text);
  if (bytes === undefined || bytes.length !== 32) {
    throw new ERR_KEY_FORMAT(
      `Cannot use ${what}: expected 32 bytes of base64, ` +
        `found ${bytes === undefined ? 'invalid base64' : `${bytes.length} bytes`}`,
      { what },
    );
  }
  return bytes;
}
