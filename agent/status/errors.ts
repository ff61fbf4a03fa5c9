/** Coded errors of the local status endpoint. */
import { defineError } from '../../protocol/errors.ts';

export const statusErrors = {
  ERR_STATUS_NOT_FOUND: defineError(
    'EDC_ERR_STATUS_NOT_FOUND',
    'The status endpoint has no such route (GET /, GET /v1/status, POST /v1/sync, GET /healthz)',
    404,
  ),
  ERR_STATUS_FAILED: defineError(
    'EDC_ERR_STATUS_FAILED',
    'Building a status report or running a sync for the status endpoint failed (the ledger could not be read)',
    500,
  ),
  ERR_STATUS_LISTEN: defineError(
    'EDC_ERR_STATUS_LISTEN',
    'The status endpoint could not bind 127.0.0.1 and its port (another agent is running, or the port is taken)',
    503,
  ),
  ERR_STATUS_UNREACHABLE: defineError(
    'EDC_ERR_STATUS_UNREACHABLE',
    "The running agent's status endpoint did not answer a command that needs it",
    503,
  ),
} as const;

export const { ERR_STATUS_NOT_FOUND, ERR_STATUS_FAILED, ERR_STATUS_LISTEN, ERR_STATUS_UNREACHABLE } = statusErrors;
