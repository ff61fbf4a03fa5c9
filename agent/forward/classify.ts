/**
 * Maps a gateway error answer (status, Retry-After, ErrorBody) to one forwarder error, following
 * the contract's table: 409 fork/gap, 401/403, 400/422/413 stop loudly; 429, 503 and other 5xx are
 * retried after Retry-After (when given) or a backoff.
 */
import type { ErrorBody } from '../../protocol/messages/index.ts';
import type { EdcError } from '../../protocol/errors.ts';
import {
  ERR_FORWARD_RETRYABLE,
  ERR_FORWARD_GAP,
  ERR_FORWARD_FORK,
  ERR_FORWARD_AUTH,
  ERR_FORWARD_REJECTED,
  ERR_FORWARD_RESPONSE_INVALID,
} from './errors.ts';

/** Retry-After is bounded so that a misbehaving gateway cannot park the agent for days. */
export const retryAfterMsMax = 60 * 60_000;

/** Retry-After as whole seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  let ms: number;
  if (/^[0-9]+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - nowMs);
  }
  return Math.min(ms, retryAfterMsMax);
}

export function classifyErrorResponse(
  status: number,
  retryAfter: string | null,
  body: ErrorBody | undefined,
  request: string,
): EdcError {
  const code = body?.code ?? 'none';
  const said = body === undefined ? `HTTP ${status}` : `${status} ${body.code}: ${body.message}`;
  const details = { status, gatewayCode: code, gatewayDetails: body?.details ?? {} };
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(retryAfter);
    return new ERR_FORWARD_RETRYABLE(`Gateway asked to retry ${request}: ${said}`, {
      ...details,
      retryable: true,
      retryAfterMs,
    });
  }
  if (status === 409 && code === 'EDC_ERR_UPLOAD_GAP')
    return new ERR_FORWARD_GAP(`Gateway refused ${request}: ${said}`, details);
  if (status === 409) return new ERR_FORWARD_FORK(`Gateway refused ${request}: ${said}`, details);
  if (status === 401 || status === 403) return new ERR_FORWARD_AUTH(`Gateway refused ${request}: ${said}`, details);
  if (status === 400 || status === 413 || status === 422)
    return new ERR_FORWARD_REJECTED(`Gateway refused ${request}: ${said}`, details);
  return new ERR_FORWARD_RESPONSE_INVALID(`Gateway answered ${request} with unexpected ${said}`, {
    ...details,
    retryable: true,
  });
}
