/**
 * HTTPS for `serve`: the certificate chain and private key as PEM files (flags or config.json
 * `tls`), read and checked before the server listens. A file that cannot be read or holds no PEM
 * of the right kind is EDC_ERR_TLS_FILE; a key that does not belong to the certificate is
 * EDC_ERR_TLS_MISMATCH. Both name the file, never its content.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ERR_TLS_FILE, ERR_TLS_MISMATCH } from './errors.ts';

/** A PEM file larger than this is not a certificate chain or a key (refused unread). */
export const tlsFileBytesMax = 1024 * 1024;

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint of the leaf certificate, colon-separated hex (as openssl prints it). */
  readonly fingerprint256: string;
}

async function readPem(path: string, what: 'cert' | 'key'): Promise<string> {
  const [id, en] = what === 'cert' ? ['sertifikat', 'certificate'] : ['kunci privat', 'private key'];
  let size: number;
  try {
    const info = await stat(path);
    size = info.isFile() ? info.size : -1;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ERR_TLS_FILE(
      `Berkas ${id} TLS ${path} tidak dapat dibaca (${code}) / Cannot read TLS ${en} ${path} (${code})`,
      { path, what, cause: code },
      cause,
    );
  }
  if (size < 0 || size > tlsFileBytesMax)
    throw new ERR_TLS_FILE(
      `Berkas ${id} TLS ${path} bukan berkas PEM (maks ${tlsFileBytesMax} byte) / ` +
        `Cannot use TLS ${en} ${path}: expected a PEM file of at most ${tlsFileBytesMax} bytes`,
      { path, what },
    );
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ERR_TLS_FILE(
      `Berkas ${id} TLS ${path} tidak dapat dibaca (${code}) / Cannot read TLS ${en} ${path} (${code})`,
      { path, what, cause: code },
      cause,
    );
  }
}

function parseCert(pem: string, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new ERR_TLS_FILE(
      `Berkas ${path} tidak berisi sertifikat PEM / Cannot use TLS certificate ${path}: ` +
        'expected a PEM certificate ("-----BEGIN CERTIFICATE-----")',
      { path, what: 'cert' },
      cause,
    );
  }
}

function parseKey(pem: string, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new ERR_TLS_FILE(
      `Berkas ${path} tidak berisi kunci privat PEM (tanpa sandi) / Cannot use TLS private key ${path}: ` +
        'expected an unencrypted PEM private key',
      { path, what: 'key' },
      cause,
    );
  }
}

/** Reads and checks the pair: both PEM, and the key is the certificate's. */
export async function loadTls(files: TlsFiles): Promise<TlsMaterial> {
  const cert = await readPem(files.certFile, 'cert');
  const key = await readPem(files.keyFile, 'key');
  const x509 = parseCert(cert, files.certFile);
  const privateKey = parseKey(key, files.keyFile);
  if (!x509.checkPrivateKey(privateKey))
    throw new ERR_TLS_MISMATCH(
      `Kunci privat ${files.keyFile} bukan pasangan sertifikat ${files.certFile} / ` +
        `Cannot serve HTTPS: the private key ${files.keyFile} does not belong to the certificate ${files.certFile}`,
      { certFile: files.certFile, keyFile: files.keyFile },
    );
  return { cert, key, fingerprint256: x509.fingerprint256 };
}
