/**
 * Maps a gateway error answer (status, Retry-After, Date, ErrorBody) to one forwarder error,
 * following the contract's table: 409 fork/gap, 401/403, 400/422/413 stop loudly; 429, 503 and
 * other 5xx are retried after Retry-After (when given) or a backoff. Two 401s are retried too,
 * because a person is not needed to cure them: clock skew (EDC_ERR_AUTH_TIMESTAMP: heals once
 * the clock is fixed) and a replayed nonce (EDC_ERR_AUTH_REPLAY: the next request has a new one).
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
  ERR_FORWARD_CLOCK_SKEW,
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

export interface ErrorAnswer {
  readonly status: number;
  readonly retryAfter: string | null;
  /** The HTTP Date header: the gateway's clock, to say how far the agent's is off. */
  readonly date: string | null;
}

/**
 * Auth refusals that retrying can cure, because their cause is not the agent's identity: a
 * clock outside the gateway's skew window (fixed by fixing the clock) and a nonce seen before.
 */
const transientAuthCodes = new Set(['EDC_ERR_AUTH_TIMESTAMP', 'EDC_ERR_AUTH_REPLAY']);

export function classifyErrorResponse(
  answer: ErrorAnswer,
  body: ErrorBody | undefined,
  request: string,
  nowMs: number,
): EdcError {
  const { status } = answer;
  const code = body?.code ?? 'none';
  const said = body === undefined ? `HTTP ${status}` : `${status} ${body.code}: ${body.message}`;
  const details = { status, gatewayCode: code, gatewayDetails: body?.details ?? {} };
  const retryAfterMs = parseRetryAfterMs(answer.retryAfter, nowMs);
  if (status === 429 || status >= 500) {
    return new ERR_FORWARD_RETRYABLE(`Gateway asked to retry ${request}: ${said}`, {
      ...details,
      retryable: true,
      retryAfterMs,
    });
  }
  if (status === 409 && code === 'EDC_ERR_UPLOAD_GAP')
    return new ERR_FORWARD_GAP(`Gateway refused ${request}: ${said}`, details);
  if (status === 409) return new ERR_FORWARD_FORK(`Gateway refused ${request}: ${said}`, details);
  if (status === 401 && code === 'EDC_ERR_AUTH_TIMESTAMP') return clockSkew(answer, request, said, details, nowMs);
  if (status === 401 && transientAuthCodes.has(code))
    return new ERR_FORWARD_RETRYABLE(`Gateway asked to retry ${request}: ${said}`, { ...details, retryable: true });
  if (status === 401 || status === 403) return new ERR_FORWARD_AUTH(`Gateway refused ${request}: ${said}`, details);
  if (status === 400 || status === 413 || status === 422)
    return new ERR_FORWARD_REJECTED(`Gateway refused ${request}: ${said}`, details);
  return new ERR_FORWARD_RESPONSE_INVALID(`Gateway answered ${request} with unexpected ${said}`, {
    ...details,
    retryable: true,
  });
}

function clockSkew(
  answer: ErrorAnswer,
  request: string,
  said: string,
  details: Record<string, unknown>,
  nowMs: number,
): EdcError {
  const gatewayAt = answer.date === null ? Number.NaN : Date.parse(answer.date);
  // The Date header has whole seconds: good enough to tell an operator "10 minutes fast".
  const skewMs = Number.isNaN(gatewayAt) ? null : nowMs - gatewayAt;
  const by =
    skewMs === null
      ? ''
      : ` (agent clock ${skewMs >= 0 ? 'ahead of' : 'behind'} the gateway by about ${seconds(skewMs)})`;
  return new ERR_FORWARD_CLOCK_SKEW(
    `Gateway refused ${request} for clock skew${by}: ${said}. Fix the agent's clock; retried with backoff`,
    { ...details, skewMs, retryable: true },
  );
}

function seconds(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
