/**
 * The agent's HTTP client for the gateway: signed requests over the global fetch (so tests can
 * intercept it with msw), a timeout on every request, a bound on response size, and every
 * answer mapped to either a parsed body or one coded forwarder error. It holds no state: the
 * forward loop decides what to retry.
 */
import { Agent } from 'undici';
import { ErrorBody, SignedEntitlementSet, SignedReceipt, signRequest } from '../../protocol/messages/index.ts';
import type { UploadBatch } from '../../protocol/messages/index.ts';
import type { EdcError } from '../../protocol/errors.ts';
import {
  ERR_FORWARD_OPTIONS,
  ERR_FORWARD_TIMEOUT,
  ERR_FORWARD_TLS,
  ERR_FORWARD_UNREACHABLE,
  ERR_FORWARD_RESPONSE_INVALID,
  ERR_FORWARD_BAD_RECEIPT,
} from './errors.ts';
import { classifyErrorResponse } from './classify.ts';

export interface GatewayClientOptions {
  readonly gatewayUrl: string;
  readonly agentId: string;
  readonly seed: string;
  readonly requestTimeoutMs: number;
  /** Largest response body read, in bytes (an entitlement set of 200 000 KPMs is about 40 MB). */
  readonly responseBytesMax: number;
  /** PEM CA certificate(s): when set, HTTPS trusts only these (not the system's CAs). */
  readonly ca?: string;
  readonly now?: () => number;
}

/** fetch's dispatcher option (undici's; Node's fetch is undici's). */
type Dispatcher = NonNullable<RequestInit extends { dispatcher?: infer D } ? D : never>;

/** Every call takes an optional signal that cancels it early (agent shutdown). */
export interface GatewayClient {
  upload(batch: UploadBatch, cancel?: AbortSignal): Promise<SignedReceipt>;
  head(cancel?: AbortSignal): Promise<SignedReceipt>;
  entitlements(cancel?: AbortSignal): Promise<SignedEntitlementSet>;
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const base = parseBase(options.gatewayUrl);
  if (options.ca !== undefined && base.protocol !== 'https:')
    throw new ERR_FORWARD_OPTIONS(`Cannot pin a gateway CA: expected an https: gateway URL, found ${base.protocol}`);
  // One connection pool per client; the pinned CA replaces the system's trust store for it.
  const dispatcher =
    options.ca === undefined ? undefined : (new Agent({ connect: { ca: options.ca } }) as unknown as Dispatcher);
  const agentPath = `/v1/agents/${encodeURIComponent(options.agentId)}`;
  const call = (method: 'GET' | 'POST', path: string, body: string, cancel: AbortSignal | undefined) =>
    send(options, base, { method, path: agentPath + path, body, cancel, dispatcher });
  return {
    async upload(batch, cancel) {
      const text = await call('POST', '/uploads', JSON.stringify(batch), cancel);
      return parseSigned(SignedReceipt, text, 'receipt');
    },
    async head(cancel) {
      return parseSigned(SignedReceipt, await call('GET', '/head', '', cancel), 'receipt');
    },
    async entitlements(cancel) {
      return parseSigned(SignedEntitlementSet, await call('GET', '/entitlements', '', cancel), 'entitlement set');
    },
  };
}

function parseBase(url: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new ERR_FORWARD_OPTIONS(
      `Cannot use gateway URL: expected an absolute http(s) URL, found ${JSON.stringify(url)}`,
    );
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new ERR_FORWARD_OPTIONS(`Cannot use gateway URL: expected http: or https:, found ${base.protocol}`);
  }
  return base;
}

interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string;
  readonly cancel: AbortSignal | undefined;
  readonly dispatcher: Dispatcher | undefined;
}

async function send(options: GatewayClientOptions, base: URL, request: OutgoingRequest): Promise<string> {
  const { method, path, body } = request;
  // The signature covers the path exactly as sent, so it is taken from the URL fetch will use.
  const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
  const signed = signRequest(
    { method, path: url.pathname + url.search, body },
    { agentId: options.agentId, seed: options.seed, now: (options.now ?? Date.now)() },
  );
  const headers: Record<string, string> = { ...signed, accept: 'application/json' };
  if (method === 'POST') headers['content-type'] = 'application/json';
  const timeout = AbortSignal.timeout(options.requestTimeoutMs);
  const signal = request.cancel === undefined ? timeout : AbortSignal.any([timeout, request.cancel]);
  let response: Response;
  try {
    const init: RequestInit = { method, headers, signal, ...(method === 'POST' ? { body } : {}) };
    response = await fetch(url, request.dispatcher === undefined ? init : { ...init, dispatcher: request.dispatcher });
  } catch (err) {
    throw networkError(err, method, url, options.requestTimeoutMs);
  }
  const text = await readLimited(response, options.responseBytesMax, signal, options.requestTimeoutMs);
  if (response.status === 200) return text;
  throw classifyErrorResponse(
    { status: response.status, retryAfter: response.headers.get('retry-after'), date: response.headers.get('date') },
    parseErrorBody(text),
    `${method} ${url.pathname}`,
    (options.now ?? Date.now)(),
  );
}

/** OpenSSL's answers when the peer's certificate does not chain to a trusted CA or names another host. */
const tlsTrustCodes: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function networkError(err: unknown, method: string, url: URL, timeoutMs: number): EdcError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ERR_FORWARD_TIMEOUT(
      `Gateway did not answer ${method} ${url.pathname} within ${timeoutMs} ms`,
      { timeoutMs, retryable: true },
      err,
    );
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
  const causeCode = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
  if (causeCode !== undefined && tlsTrustCodes.has(causeCode))
    return new ERR_FORWARD_TLS(
      `Cannot trust gateway at ${url.origin} for ${method} ${url.pathname}: ${cause} (${causeCode})`,
      { retryable: true, cause: causeCode },
      err,
    );
  return new ERR_FORWARD_UNREACHABLE(
    `Cannot reach gateway at ${url.origin} for ${method} ${url.pathname}: ${cause}`,
    { retryable: true },
    err,
  );
}

/** Reads the body as text, refusing more than bytesMax (declared or actually streamed). */
async function readLimited(
  response: Response,
  bytesMax: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > bytesMax) {
    await response.body?.cancel();
    throw new ERR_FORWARD_RESPONSE_INVALID(`Gateway response is ${declared} bytes, responseBytesMax is ${bytesMax}`, {
      bytes: declared,
      bytesMax,
    });
  }
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > bytesMax) {
        await reader.cancel();
        throw new ERR_FORWARD_RESPONSE_INVALID(`Gateway response exceeds responseBytesMax ${bytesMax} bytes`, {
          bytesMax,
        });
      }
      chunks.push(value);
    }
  } catch (err) {
    if (signal.aborted)
      throw new ERR_FORWARD_TIMEOUT(
        `Gateway response did not complete within ${timeoutMs} ms`,
        { timeoutMs, retryable: true },
        err,
      );
    throw err;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseErrorBody(text: string): ErrorBody | undefined {
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

interface Parser<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

/** A 200 body that is not the signed message the contract promises is a bad receipt: halt. */
function parseSigned<T>(schema: Parser<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ERR_FORWARD_BAD_RECEIPT(
      `Cannot accept gateway ${what}: expected JSON, found ${JSON.stringify(text.slice(0, 60))}`,
      { what },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.map(String).join('.')}: ${issue.message}`;
    throw new ERR_FORWARD_BAD_RECEIPT(`Cannot accept gateway ${what}: schema check failed at ${where}`, { what });
  }
  return parsed.data;
}
