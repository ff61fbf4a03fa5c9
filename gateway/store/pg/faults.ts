/**
 * Database connection faults (README.md, "Database faults"): which PostgreSQL and socket errors
 * mean "the connection or the server failed", as opposed to "the request or the data is wrong",
 * and the coded 503 a replica answers for them. A transaction whose connection failed before its
 * COMMIT was sent is known not committed (PostgreSQL rolls back a transaction whose session ends);
 * a failure on the COMMIT itself is ambiguous (it may have been stored), said in
 * `details.ambiguous`, and never retried by the replica: the caller's retry is recognised
 * (an agent's upload by its chain's seq and hash, an import row by its identity).
 */
import { isEdcError } from '../../../protocol/errors.ts';
import { ERR_STORE_UNREACHABLE } from '../../errors.ts';

/** Retry-After of a store fault's 503, in seconds: a lost connection is replaced at once, a restart takes seconds. */
export const storeFaultRetryAfterSeconds = 2;

/**
 * SQLSTATEs of a failed connection or server, not of the statement: class 08 (connection
 * exception), class 53 (insufficient resources: too many connections, out of memory, disk full),
 * 57P01..57P05 (admin or crash shutdown, cannot connect now, database dropped, idle session
 * timeout), 57014 (statement cancelled by an operator) and 25P03 (idle-in-transaction timeout).
 */
const faultStates = /^(08...|53...|57P0[1-5]|57014|25P03)$/;

/** node-postgres' own errors for a lost connection or a pool that gave none in time (they carry no code). */
const faultMessages = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'Query read timeout',
];

/** True when `error` is a connection or server fault (above), or a socket error (ECONNRESET, EPIPE, ...). */
export function isConnectionFault(error: unknown): boolean {
  if (isEdcError(error) || typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return faultStates.test(code) || /^E[A-Z]+$/.test(code);
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && faultMessages.some((m) => message.startsWith(m));
}

/** The 503 for a connection fault: `ambiguous` when it met the COMMIT (the write may be stored). */
export function storeFault(error: unknown, ambiguous: boolean): Error {
  const cause = error as { code?: unknown; message?: unknown };
  const said = typeof cause.code === 'string' ? cause.code : String(cause.message).slice(0, 100);
  const outcome = ambiguous
    ? 'the answer to COMMIT was lost: the write may or may not be stored; retry, a repeat is recognised'
    : 'nothing of this request was stored; retry';
  return new ERR_STORE_UNREACHABLE(
    'Koneksi ke PostgreSQL gagal, coba lagi / ' +
      `Cannot complete the request: the database connection failed (${said}); ${outcome}`,
    { retryAfterSeconds: storeFaultRetryAfterSeconds, ambiguous, cause: said },
    error,
  );
}

/** Throws `error` as the coded 503 when it is a connection fault, else as it is. */
export function throwStoreFault(error: unknown, ambiguous = false): never {
  if (isConnectionFault(error)) throw storeFault(error, ambiguous);
  throw error;
}
