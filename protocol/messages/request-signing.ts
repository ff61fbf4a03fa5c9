/**
 * Agent requests to the gateway are signed, so that only an enrolled agent can act, only for
 * itself, and a captured request cannot be replayed: the signature covers method, path (with
 * query), a timestamp the gateway accepts only within requestClockSkewMaxMs of its own clock,
 * a random nonce it accepts only once within that window, and the SHA-256 of the exact body bytes.
 */
import { randomBytes } from 'node:crypto';
import { signingBytes } from '../crypto/canonical.ts';
import { sign, verify } from '../crypto/ed25519.ts';
import { toHex } from '../crypto/encoding.ts';
import { domains, sha256Hex } from './signed.ts';

export const requestHeaders = {
  agent: 'x-edc-agent',
  timestamp: 'x-edc-timestamp',
  nonce: 'x-edc-nonce',
  signature: 'x-edc-signature',
} as const;

export const requestClockSkewMaxMs = 5 * 60_000;
export const requestNoncePattern = /^[0-9a-f]{32}$/;

export interface RequestToSign {
  readonly method: string;
  /** Path and query exactly as sent, e.g. /v1/agents/AGT-1/uploads */
  readonly path: string;
  readonly timestamp: number;
  readonly nonce: string;
  /** The exact body bytes (empty for GET). */
  readonly body: Uint8Array | string;
}

export function requestSigningBytes(request: RequestToSign): Uint8Array {
  return signingBytes(domains.request, {
    method: request.method.toUpperCase(),
    path: request.path,
    timestamp: request.timestamp,
    nonce: request.nonce,
    bodySha256: sha256Hex(request.body),
  });
}

export interface SignRequestOptions {
  readonly agentId: string;
  readonly seed: string;
  readonly now?: number;
  readonly nonce?: string;
}

/** Headers to add to a request (the four x-edc-* headers). */
export function signRequest(
  request: Omit<RequestToSign, 'timestamp' | 'nonce'>,
  options: SignRequestOptions,
): Record<string, string> {
  const timestamp = options.now ?? Date.now();
  const nonce = options.nonce ?? toHex(randomBytes(16));
  const signature = sign(requestSigningBytes({ ...request, timestamp, nonce }), options.seed);
  return {
    [requestHeaders.agent]: options.agentId,
    [requestHeaders.timestamp]: String(timestamp),
    [requestHeaders.nonce]: nonce,
    [requestHeaders.signature]: signature,
  };
}

export function verifyRequestSignature(request: RequestToSign, signature: string, publicKey: string): boolean {
  return verify(requestSigningBytes(request), signature, publicKey);
}
