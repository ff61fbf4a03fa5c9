/** Coded errors of the local status endpoint. */
import { defineError } from '../../protocol/errors.ts';

export const statusErrors = {
  NotFound: defineError(
    'EDC_ERR_STATUS_NOT_FOUND',
    'The status endpoint has no such route (GET /v1/status, POST /v1/sync, GET /healthz)',
    404,
  ),
  Failed: defineError(
    'EDC_ERR_STATUS_FAILED',
    'Building a status report or running a sync for the status endpoint failed (the ledger could not be read)',
    500,
  ),
} as const;
