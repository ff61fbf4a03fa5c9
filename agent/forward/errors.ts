/**
 * Coded errors of the forwarder (agent -> gateway). A pass that fails with one of these either
 * backs off and retries (`retryable` in details is true) or stops forwarding loudly through the
 * core's persisted halt, per the agent <-> gateway contract.
 */
import { defineError } from '../../protocol/errors.ts';

export const forwardErrors = {
  ERR_FORWARD_UNREACHABLE: defineError(
    'EDC_ERR_FORWARD_UNREACHABLE',
    'The gateway could not be reached (connection refused, DNS, reset); retried with backoff',
    503,
  ),
  ERR_FORWARD_TLS: defineError(
    'EDC_ERR_FORWARD_TLS',
    "The gateway's TLS certificate is not signed by the trusted CA (gatewayCa when pinned) or does not name " +
      "the gateway's host; nothing was sent; retried with backoff",
    502,
  ),
  ERR_FORWARD_TIMEOUT: defineError(
    'EDC_ERR_FORWARD_TIMEOUT',
    'The gateway did not answer within requestTimeoutMs; the outcome is unknown, ' +
      'so the next pass resyncs with GET head',
    504,
  ),
  ERR_FORWARD_RETRYABLE: defineError(
    'EDC_ERR_FORWARD_RETRYABLE',
    'The gateway answered 429, 503 or another 5xx; retried with backoff, honouring Retry-After',
    503,
  ),
  ERR_FORWARD_FORK: defineError(
    'EDC_ERR_FORWARD_FORK',
    'The gateway reports a different entry at a seq it holds (409 EDC_ERR_UPLOAD_FORK), ' +
      'or a receipt does not match the ledger; forwarding halts',
    409,
  ),
  ERR_FORWARD_GAP: defineError(
    'EDC_ERR_FORWARD_GAP',
    'The gateway reports that the upload does not continue its chain (409 EDC_ERR_UPLOAD_GAP); forwarding halts',
    409,
  ),
  ERR_FORWARD_AUTH: defineError(
    'EDC_ERR_FORWARD_AUTH',
    'The gateway refused the agent (401/403: unknown or revoked agent, bad signature); forwarding halts',
    401,
  ),
  ERR_FORWARD_CLOCK_SKEW: defineError(
    'EDC_ERR_FORWARD_CLOCK_SKEW',
    'The gateway refused a request for clock skew (401 EDC_ERR_AUTH_TIMESTAMP); retried with backoff, so ' +
      'forwarding resumes by itself once the agent clock is fixed',
    401,
  ),
  ERR_FORWARD_REJECTED: defineError(
    'EDC_ERR_FORWARD_REJECTED',
    'The gateway refused an upload as invalid (400, 422, or 413 for a single entry); ' +
      'forwarding halts because a retry cannot succeed',
    422,
  ),
  ERR_FORWARD_BAD_RECEIPT: defineError(
    'EDC_ERR_FORWARD_BAD_RECEIPT',
    'A receipt or entitlement set from the gateway failed its schema or signature check; forwarding halts',
    502,
  ),
  ERR_FORWARD_RESPONSE_INVALID: defineError(
    'EDC_ERR_FORWARD_RESPONSE_INVALID',
    'The gateway answered with a status or body the contract does not describe (not JSON, too large, unknown status)',
    502,
  ),
  ERR_FORWARD_NO_PROGRESS: defineError(
    'EDC_ERR_FORWARD_NO_PROGRESS',
    'A receipt was valid but did not move the acknowledged cursor past the uploaded entries; ' +
      'the pass stops and resyncs next time',
    502,
  ),
  ERR_FORWARD_LEDGER: defineError(
    'EDC_ERR_FORWARD_LEDGER',
    'The ledger failed while a forward pass read entries or moved the cursor (not a gateway problem); ' +
      'retried with backoff',
    500,
  ),
  ERR_FORWARD_HALTED: defineError(
    'EDC_ERR_FORWARD_HALTED',
    'Forwarding is halted (fork, gap, auth, rejected upload, bad receipt, damaged ledger) until an operator ' +
      'clears it with `edc-agent resume`',
    409,
  ),
  ERR_FORWARD_OPTIONS: defineError(
    'EDC_ERR_FORWARD_OPTIONS',
    'A forwarder option is missing or out of range (gateway URL, batch size, timeouts)',
  ),
} as const;

export const {
  ERR_FORWARD_UNREACHABLE,
  ERR_FORWARD_TLS,
  ERR_FORWARD_TIMEOUT,
  ERR_FORWARD_RETRYABLE,
  ERR_FORWARD_FORK,
  ERR_FORWARD_GAP,
  ERR_FORWARD_AUTH,
  ERR_FORWARD_CLOCK_SKEW,
  ERR_FORWARD_REJECTED,
  ERR_FORWARD_BAD_RECEIPT,
  ERR_FORWARD_RESPONSE_INVALID,
  ERR_FORWARD_NO_PROGRESS,
  ERR_FORWARD_LEDGER,
  ERR_FORWARD_HALTED,
  ERR_FORWARD_OPTIONS,
} = forwardErrors;
