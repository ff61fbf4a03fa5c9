/**
 * Coded errors of the agent's terminal links (serial ports and the TCP listener). Link faults
 * are reported to the log and to status, never thrown into the process: a bad terminal must not
 * take the agent down. The constructors that are thrown are configuration and start-up errors.
 */
import { defineError } from '../../protocol/errors.ts';

export const linkErrors = {
  ERR_SERIAL_OPEN: defineError(
    'EDC_ERR_SERIAL_OPEN',
    'A serial port could not be opened (missing device, permissions, busy); the link retries with backoff',
    503,
  ),
  ERR_SERIAL_CLOSED: defineError(
    'EDC_ERR_SERIAL_CLOSED',
    'An open serial port closed or failed (cable pulled, device gone); the link reopens it with backoff',
    503,
  ),
  ERR_TCP_LISTEN: defineError(
    'EDC_ERR_TCP_LISTEN',
    'The TCP terminal listener could not bind its host and port (in use, not permitted)',
    503,
  ),
  ERR_TERMINALS_MAX: defineError(
    'EDC_ERR_TERMINALS_MAX',
    'A TCP connection was refused because terminalsMax connections are already open',
    503,
  ),
  ERR_LINK_IDLE: defineError(
    'EDC_ERR_LINK_IDLE',
    'A TCP terminal sent nothing for idleTimeoutMs; its connection is closed',
    408,
  ),
  ERR_LINK_BACKLOG: defineError(
    'EDC_ERR_LINK_BACKLOG',
    'A terminal sent more requests than requestsQueuedMax before the earlier ones were answered; ' +
      'the connection is closed',
    429,
  ),
  ERR_LINK_UNDECODABLE: defineError(
    'EDC_ERR_LINK_UNDECODABLE',
    'A frame arrived whole but its ISO 8583 payload does not decode; ' +
      'answered with response code 30 when the header can be read',
    400,
  ),
  ERR_LINK_NO_ANSWER: defineError(
    'EDC_ERR_LINK_NO_ANSWER',
    'No response could be sent for a request (the ledger failed, or the request was too broken to address a response)',
    500,
  ),
  ERR_LINK_FAILED: defineError(
    'EDC_ERR_LINK_FAILED',
    'A terminal link failed with an error that carries no code of its own (the message says what failed)',
    500,
  ),
  ERR_LINK_CONFIG: defineError(
    'EDC_ERR_LINK_CONFIG',
    'A terminal link option is out of range (baud rate, port, timeouts, limits)',
  ),
} as const;

export const {
  ERR_SERIAL_OPEN,
  ERR_SERIAL_CLOSED,
  ERR_TCP_LISTEN,
  ERR_TERMINALS_MAX,
  ERR_LINK_IDLE,
  ERR_LINK_BACKLOG,
  ERR_LINK_UNDECODABLE,
  ERR_LINK_NO_ANSWER,
  ERR_LINK_FAILED,
  ERR_LINK_CONFIG,
} = linkErrors;
