/**
 * The gateway's coded errors: one registry, every constructor documented in gateway/README.md
 * (a test holds the two equal). Agent API codes and statuses are fixed by the HTTP contract.
 */
import { defineError, errorRegistry } from '../protocol/errors.ts';
import { importErrors } from './import/errors.ts';

export const gatewayErrors = {
  // ---- HTTP surface (agent contract) ----
  ERR_BODY_INVALID: defineError(
    'EDC_ERR_BODY_INVALID',
    'A request body, query or path is malformed JSON, fails its schema or has unknown fields (details.issues)',
    400,
  ),
  ERR_BODY_TOO_LARGE: defineError('EDC_ERR_BODY_TOO_LARGE', 'A request body is larger than uploadBodyBytesMax', 413),
  ERR_PATH_TOO_LONG: defineError(
    'EDC_ERR_PATH_TOO_LONG',
    'A path parameter (an agent id, a tahap, an id) is longer than 100 characters',
    414,
  ),
  ERR_HTTP_MALFORMED: defineError(
    'EDC_ERR_HTTP_MALFORMED',
    'The HTTP request itself cannot be parsed (e.g. both content-length and transfer-encoding, a bad header); ' +
      'answered before any route, then the connection is closed',
    400,
  ),
  ERR_HEADERS_TOO_LARGE: defineError(
    'EDC_ERR_HEADERS_TOO_LARGE',
    'The request line and headers exceed the server limit (16 KiB); the connection is closed',
    431,
  ),
  ERR_REQUEST_TIMEOUT: defineError(
    'EDC_ERR_REQUEST_TIMEOUT',
    'The request was not received completely in time; the connection is closed',
    408,
  ),
  ERR_AUTH_SIGNATURE: defineError(
    'EDC_ERR_AUTH_SIGNATURE',
    'Agent request signature headers are missing, malformed or do not verify',
    401,
  ),
  ERR_AUTH_TIMESTAMP: defineError(
    'EDC_ERR_AUTH_TIMESTAMP',
    'Agent request timestamp is outside the allowed clock skew',
    401,
  ),
  ERR_AUTH_REPLAY: defineError(
    'EDC_ERR_AUTH_REPLAY',
    'Agent request nonce was already used within the skew window',
    401,
  ),
  ERR_AUTH_AGENT: defineError(
    'EDC_ERR_AUTH_AGENT',
    'Agent is unknown or revoked, or the path agent differs from the signing agent',
    403,
  ),
  ERR_SMS_WEBHOOK_AUTH: defineError(
    'EDC_ERR_SMS_WEBHOOK_AUTH',
    'An SMS-provider webhook request has no X-EDC-SMS-Signature, a malformed one, one that does not verify, ' +
      'or a time outside smsWebhook.toleranceMs',
    401,
  ),
  ERR_MEDIA_TYPE: defineError(
    'EDC_ERR_MEDIA_TYPE',
    'A request body is not sent as content-type application/json (UTF-8); nothing was read or checked',
    415,
  ),
  ERR_UPLOAD_FORK: defineError(
    'EDC_ERR_UPLOAD_FORK',
    'An uploaded entry differs from the entry the gateway holds at that seq (evidence kept, agent flagged)',
    409,
  ),
  ERR_UPLOAD_GAP: defineError(
    'EDC_ERR_UPLOAD_GAP',
    "An upload's first new entry is not the seq right after the gateway's head for that agent",
    409,
  ),
  ERR_UPLOAD_ENTRY_INVALID: defineError(
    'EDC_ERR_UPLOAD_ENTRY_INVALID',
    'An uploaded entry has a bad hash, signature, prevHash, agentId or order',
    422,
  ),
  ERR_UPLOAD_STATUS_INVALID: defineError(
    'EDC_ERR_UPLOAD_STATUS_INVALID',
    "An upload's agentStatus contradicts its entries (head behind or unlike the last entry, queued not head - last)",
    422,
  ),
  ERR_RATE_LIMITED: defineError(
    'EDC_ERR_RATE_LIMITED',
    'A request budget (of the agent, the staff token, the source address, or health and metrics) is spent; ' +
      'retry after Retry-After seconds',
    429,
  ),
  ERR_UNAVAILABLE: defineError(
    'EDC_ERR_UNAVAILABLE',
    'The gateway cannot serve the request now (store closed or not ready, the upload verification queue is full, ' +
      'or an upload over uploadsInFlightMax could not wait for admission)',
    503,
  ),
  ERR_NOT_FOUND: defineError('EDC_ERR_NOT_FOUND', 'No route, or no record with that id', 404),
  ERR_INTERNAL: defineError(
    'EDC_ERR_INTERNAL',
    'An unexpected failure; the response carries no detail, the log has it',
    500,
  ),
  ERR_POSITION_FULL: defineError(
    'EDC_ERR_POSITION_FULL',
    'A KPM position would exceed positionFactsMax entries in one tahap',
    422,
  ),
  ERR_EVIDENCE_FULL: defineError(
    'EDC_ERR_EVIDENCE_FULL',
    'An agent would exceed evidenceEntriesPerAgentMax kept fork and tampered entries (nothing of the upload is kept)',
    409,
  ),
  // ---- Staff ----
  ERR_STAFF_UNAUTHENTICATED: defineError(
    'EDC_ERR_STAFF_UNAUTHENTICATED',
    'A staff route was called without a valid bearer token',
    401,
  ),
  ERR_STAFF_FORBIDDEN: defineError(
    'EDC_ERR_STAFF_FORBIDDEN',
    "A staff token's role is below the role the route needs",
    403,
  ),
  ERR_EXCEPTION_TRANSITION: defineError(
    'EDC_ERR_EXCEPTION_TRANSITION',
    'An exception state change is not allowed from its current state',
    409,
  ),
  ERR_FAILED_CREDIT_TRANSITION: defineError(
    'EDC_ERR_FAILED_CREDIT_TRANSITION',
    'A failed credit (gagal transfer) step is not allowed from its current state',
    409,
  ),
  ERR_TAHAP_UNKNOWN: defineError(
    'EDC_ERR_TAHAP_UNKNOWN',
    'No disbursement file was imported and no withdrawal received for that tahap (its figures would be all zero)',
    404,
  ),
  ERR_NO_ENTITLEMENTS: defineError(
    'EDC_ERR_NO_ENTITLEMENTS',
    'No tahap is known yet to issue an entitlement set for',
    409,
  ),
  // ---- Store and enrolment ----
  ERR_STORE_LOCKED: defineError(
    'EDC_ERR_STORE_LOCKED',
    'The gateway store is held by another process (stop the server, or use its HTTP routes)',
    503,
  ),
  ERR_STORE_CLOSED: defineError('EDC_ERR_STORE_CLOSED', 'The gateway store was used after it was closed', 503),
  ERR_STORE_FAILED: defineError(
    'EDC_ERR_STORE_FAILED',
    'A write to the LevelDB store failed (disk full or I/O error); the store is unusable until a fresh handle opens',
    503,
  ),
  ERR_STORE_CORRUPT: defineError('EDC_ERR_STORE_CORRUPT', 'A stored record is not valid JSON when read back', 500),
  ERR_STORE_SCHEMA: defineError(
    'EDC_ERR_STORE_SCHEMA',
    'The PostgreSQL schema is not at the version this gateway knows (run "edc-gateway migrate")',
    503,
  ),
  ERR_STORE_CONFLICT: defineError(
    'EDC_ERR_STORE_CONFLICT',
    'A write kept conflicting with other replicas past transactionRetriesMax; nothing was changed',
    503,
  ),
  ERR_STORE_URL: defineError('EDC_ERR_STORE_URL', 'The store location is not a postgres:// URL or a directory', 400),
  ERR_STORE_UNREACHABLE: defineError(
    'EDC_ERR_STORE_UNREACHABLE',
    'The PostgreSQL server did not accept a connection (down, wrong address, or refused the user), or a connection ' +
      'failed during a request (details.ambiguous: at its COMMIT, so it may be stored); retry after Retry-After',
    503,
  ),
  ERR_DATA_KEY_UNKNOWN: defineError(
    'EDC_ERR_DATA_KEY_UNKNOWN',
    'A value sealed at rest names a data key id this store does not hold (or the store holds no data key yet)',
    500,
  ),
  ERR_DATA_KEY_DAMAGED: defineError(
    'EDC_ERR_DATA_KEY_DAMAGED',
    "A stored data key does not unwrap with this gateway's keys.json (altered, or from another gateway)",
    500,
  ),
  ERR_DATA_KEYS_FULL: defineError('EDC_ERR_DATA_KEYS_FULL', 'All 65535 data key ids are used', 500),
  ERR_AGENT_EXISTS: defineError('EDC_ERR_AGENT_EXISTS', 'An agent with that id is already enrolled', 409),
  ERR_AGENT_UNKNOWN: defineError('EDC_ERR_AGENT_UNKNOWN', 'No agent is enrolled with that id', 404),
  ERR_KPM_ALLOCATED: defineError(
    'EDC_ERR_KPM_ALLOCATED',
    'A KPM is already allocated to another active agent (use --move to move it)',
    409,
  ),
  ERR_BUNDLE_INVALID: defineError(
    'EDC_ERR_BUNDLE_INVALID',
    "A bundle's manifest signature, entry range or head hash does not verify",
    422,
  ),
  // ---- Struk verification (edc-gateway receipt verify) ----
  ERR_RECEIPT_MALFORMED: defineError(
    'EDC_ERR_RECEIPT_MALFORMED',
    'A struk code or struk QR text is not in its documented form (protocol/README.md, struk proof and struk code)',
    400,
  ),
  ERR_RECEIPT_UNKNOWN: defineError(
    'EDC_ERR_RECEIPT_UNKNOWN',
    'A struk names an agent that is not enrolled, or an entry the gateway has not received (yet)',
    404,
  ),
  ERR_RECEIPT_FORGED: defineError(
    'EDC_ERR_RECEIPT_FORGED',
    'A struk the agent did not make: a QR signature that fails on no held entry, or a wrong code tag',
    422,
  ),
  ERR_RECEIPT_ALTERED: defineError(
    'EDC_ERR_RECEIPT_ALTERED',
    "A struk QR of a real entry whose fields were changed: the signature fails, the entry hash is the agent's",
    422,
  ),
  ERR_RECEIPT_CONFLICT: defineError(
    'EDC_ERR_RECEIPT_CONFLICT',
    'A struk QR the agent signed names another entry than the gateway holds at that seq (a fork: evidence)',
    409,
  ),
  // ---- Configuration and CLI ----
  ERR_CONFIG_INVALID: defineError(
    'EDC_ERR_CONFIG_INVALID',
    'The gateway directory is missing, or its config or keys fail their schema',
    400,
  ),
  ERR_CONFIG_EXISTS: defineError(
    'EDC_ERR_CONFIG_EXISTS',
    'init found an existing gateway directory (refuses to overwrite keys)',
    409,
  ),
  ERR_CLI_USAGE: defineError(
    'EDC_ERR_CLI_USAGE',
    'Unknown command, unknown flag or bad flag value (exit status 2)',
    400,
  ),
  ERR_LISTEN: defineError(
    'EDC_ERR_LISTEN',
    'serve could not listen on its host and port (in use by another process, not permitted, or no such address)',
    503,
  ),
  ERR_TLS_FILE: defineError(
    'EDC_ERR_TLS_FILE',
    'serve cannot read its TLS certificate or key file, or it holds no PEM certificate / unencrypted PEM key',
    400,
  ),
  ERR_TLS_MISMATCH: defineError(
    'EDC_ERR_TLS_MISMATCH',
    "serve's TLS private key does not belong to its certificate",
    400,
  ),
  ERR_OUTPUT: defineError(
    'EDC_ERR_OUTPUT',
    'A command could not write its output (a device error or a full disk); what it wrote is incomplete',
    500,
  ),
  ERR_IMPORT_FAILED: defineError(
    'EDC_ERR_IMPORT_FAILED',
    'A disbursement file could not be read or is not for the given bank and tahap',
    400,
  ),
} as const;

/** Every code the gateway area can raise: its own and its import sub-area's (gateway/import/README.md). */
export const gatewayErrorRegistry = errorRegistry(gatewayErrors, importErrors);

export const {
  ERR_SMS_WEBHOOK_AUTH,
  ERR_BODY_INVALID,
  ERR_BODY_TOO_LARGE,
  ERR_MEDIA_TYPE,
  ERR_PATH_TOO_LONG,
  ERR_HTTP_MALFORMED,
  ERR_HEADERS_TOO_LARGE,
  ERR_REQUEST_TIMEOUT,
  ERR_AUTH_SIGNATURE,
  ERR_AUTH_TIMESTAMP,
  ERR_AUTH_REPLAY,
  ERR_AUTH_AGENT,
  ERR_UPLOAD_FORK,
  ERR_UPLOAD_GAP,
  ERR_UPLOAD_ENTRY_INVALID,
  ERR_UPLOAD_STATUS_INVALID,
  ERR_RATE_LIMITED,
  ERR_UNAVAILABLE,
  ERR_NOT_FOUND,
  ERR_INTERNAL,
  ERR_POSITION_FULL,
  ERR_EVIDENCE_FULL,
  ERR_STAFF_UNAUTHENTICATED,
  ERR_STAFF_FORBIDDEN,
  ERR_EXCEPTION_TRANSITION,
  ERR_FAILED_CREDIT_TRANSITION,
  ERR_TAHAP_UNKNOWN,
  ERR_NO_ENTITLEMENTS,
  ERR_STORE_LOCKED,
  ERR_STORE_CLOSED,
  ERR_STORE_FAILED,
  ERR_STORE_CORRUPT,
  ERR_STORE_SCHEMA,
  ERR_STORE_CONFLICT,
  ERR_STORE_URL,
  ERR_STORE_UNREACHABLE,
  ERR_DATA_KEY_UNKNOWN,
  ERR_DATA_KEY_DAMAGED,
  ERR_DATA_KEYS_FULL,
  ERR_AGENT_EXISTS,
  ERR_AGENT_UNKNOWN,
  ERR_KPM_ALLOCATED,
  ERR_BUNDLE_INVALID,
  ERR_RECEIPT_MALFORMED,
  ERR_RECEIPT_UNKNOWN,
  ERR_RECEIPT_FORGED,
  ERR_RECEIPT_ALTERED,
  ERR_RECEIPT_CONFLICT,
  ERR_CONFIG_INVALID,
  ERR_CONFIG_EXISTS,
  ERR_CLI_USAGE,
  ERR_LISTEN,
  ERR_TLS_FILE,
  ERR_TLS_MISMATCH,
  ERR_OUTPUT,
  ERR_IMPORT_FAILED,
} = gatewayErrors;
