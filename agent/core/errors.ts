/**
 * Coded errors of the agent's core (ledger, authorization engine, receipts, entitlement sets).
 * Messages say what was expected and what was found, and never carry PAN, NIK, PIN block or
 * track 2 data. Listed in docs/agent-errors.md (a test holds the two equal).
 */
import { defineError } from '../../protocol/errors.ts';

export const coreErrors = {
  ERR_LEDGER_LOCKED: defineError(
    'EDC_ERR_LEDGER_LOCKED',
    'The ledger folder is already open in another agent process (one process per ledger)',
    503,
  ),
  ERR_LEDGER_OPEN: defineError(
    'EDC_ERR_LEDGER_OPEN',
    'The ledger folder could not be opened (missing permission, disk full, damaged files)',
    500,
  ),
  ERR_LEDGER_IDENTITY: defineError(
    'EDC_ERR_LEDGER_IDENTITY',
    'The ledger belongs to a different agent id or signing key than the one configured',
    500,
  ),
  ERR_LEDGER_WRITE: defineError(
    'EDC_ERR_LEDGER_WRITE',
    'A synced ledger batch or head record write failed; its requests were answered 96 and the ledger is reopened',
    500,
  ),
  ERR_LEDGER_READ: defineError(
    'EDC_ERR_LEDGER_READ',
    'A ledger read failed (I/O error); requests waiting on it were answered 96 and the ledger is reopened',
    500,
  ),
  ERR_LEDGER_RECOVERING: defineError(
    'EDC_ERR_LEDGER_RECOVERING',
    'The ledger is being reopened after a storage failure; nothing is authorized or written until it is verified',
    503,
  ),
  ERR_LEDGER_ROLLBACK: defineError(
    'EDC_ERR_LEDGER_ROLLBACK',
    'The ledger holds less than its head record or the last gateway receipt (entries were lost); ' +
      'it refuses to authorize until an operator restores it',
    500,
  ),
  ERR_LEDGER_CORRUPT: defineError(
    'EDC_ERR_LEDGER_CORRUPT',
    'What was read back from the ledger breaks an invariant (chain link, hash, signature, index, meta)',
    500,
  ),
  ERR_LEDGER_CLOSED: defineError(
    'EDC_ERR_LEDGER_CLOSED',
    'The core was used after close() (or while it is closing)',
    500,
  ),
  ERR_CLOCK_BEHIND: defineError(
    'EDC_ERR_CLOCK_BEHIND',
    'The agent clock is behind the highest time the agent has seen by more than the tolerance; ' +
      'withdrawals are refused until the clock is fixed or the agent syncs with the gateway',
    409,
  ),
  ERR_CORE_OPTIONS: defineError(
    'EDC_ERR_CORE_OPTIONS',
    'openAgentCore() options are invalid (agent id, seed, gateway key, limits, EDC_AGENT_STORAGE_FAULTS)',
  ),
  ERR_CORE_ARGUMENT: defineError(
    'EDC_ERR_CORE_ARGUMENT',
    'An argument of a core method is out of range (limit, fromSeq, halt reason)',
  ),
  ERR_CORE_BUSY: defineError(
    'EDC_ERR_CORE_BUSY',
    'pendingRequestsMax writing requests already wait for a ledger batch; one more was answered 96 ' +
      '(logged, not thrown)',
    503,
  ),
  ERR_RECEIPT_INVALID: defineError(
    'EDC_ERR_RECEIPT_INVALID',
    'A receipt does not match the SignedReceipt schema or names another agent',
  ),
  ERR_RECEIPT_SIGNATURE: defineError(
    'EDC_ERR_RECEIPT_SIGNATURE',
    "A receipt's signature does not verify with the gateway's public key",
    401,
  ),
  ERR_RECEIPT_FORK: defineError(
    'EDC_ERR_RECEIPT_FORK',
    "A receipt's ackSeq lies beyond the agent's head or its ackHash differs from the agent's own entry",
    409,
  ),
  ERR_ENTITLEMENT_INVALID: defineError(
    'EDC_ERR_ENTITLEMENT_INVALID',
    'An entitlement set does not match the SignedEntitlementSet schema',
  ),
  ERR_ENTITLEMENT_SIGNATURE: defineError(
    'EDC_ERR_ENTITLEMENT_SIGNATURE',
    "An entitlement set's signature does not verify with the gateway's public key",
    401,
  ),
  ERR_ENTITLEMENT_AGENT: defineError(
    'EDC_ERR_ENTITLEMENT_AGENT',
    'An entitlement set was issued for another agent',
    403,
  ),
  ERR_ENTITLEMENT_EXPIRED: defineError(
    'EDC_ERR_ENTITLEMENT_EXPIRED',
    'An entitlement set has already expired by the agent clock',
  ),
  ERR_ENTITLEMENT_STALE: defineError(
    'EDC_ERR_ENTITLEMENT_STALE',
    'An entitlement set is older than the installed one (issuedAt or basedOnSeq goes backwards)',
    409,
  ),
  ERR_ENTITLEMENT_AHEAD: defineError(
    'EDC_ERR_ENTITLEMENT_AHEAD',
    "An entitlement set's basedOnSeq lies beyond the agent's own head (the gateway holds entries this ledger lacks)",
    409,
  ),
} as const;

export const {
  ERR_LEDGER_LOCKED,
  ERR_LEDGER_OPEN,
  ERR_LEDGER_IDENTITY,
  ERR_LEDGER_WRITE,
  ERR_LEDGER_READ,
  ERR_LEDGER_RECOVERING,
  ERR_LEDGER_ROLLBACK,
  ERR_LEDGER_CORRUPT,
  ERR_CLOCK_BEHIND,
  ERR_LEDGER_CLOSED,
  ERR_CORE_OPTIONS,
  ERR_CORE_ARGUMENT,
  ERR_CORE_BUSY,
  ERR_RECEIPT_INVALID,
  ERR_RECEIPT_SIGNATURE,
  ERR_RECEIPT_FORK,
  ERR_ENTITLEMENT_INVALID,
  ERR_ENTITLEMENT_SIGNATURE,
  ERR_ENTITLEMENT_AGENT,
  ERR_ENTITLEMENT_EXPIRED,
  ERR_ENTITLEMENT_STALE,
  ERR_ENTITLEMENT_AHEAD,
} = coreErrors;
