/**
 * Coded errors of the agent's terminal links (serial ports and the TCP listener). Link faults
 * are reported to the log and to status, never thrown into the process: a bad terminal must not
 * take the agent down. The constructors that are thrown are configuration and start-up errors.
 */
import { defineError } from '../../protocol/errors.ts';

export const linkErrors = {
  SerialOpen: defineError(
    'EDC_ERR_SERIAL_OPEN',
    'A serial port could not be opened (missing device, permissions, busy); the link retries with backoff',
    503,
  ),
  SerialClosed: defineError(
    'EDC_ERR_SERIAL_CLOSED',
    'An open serial port closed or failed (cable pulled, device gone); the link reopens it with backoff',
    503,
  ),
  TcpListen: defineError(
    'EDC_ERR_TCP_LISTEN',
    'The TCP terminal listener could not bind its host and port (in use, not permitted)',
    503,
  ),
  TerminalsMax: defineError(
    'EDC_ERR_TERMINALS_MAX',
    'A TCP connection was refused because terminalsMax connections are already open',
    503,
  ),
  IdleTimeout: defineError(
    'EDC_ERR_LINK_IDLE',
    'A TCP terminal sent nothing for idleTimeoutMs; its connection is closed',
    408,
  ),
  Backlog: defineError(
    'EDC_ERR_LINK_BACKLOG',
    'A terminal sent more requests than requestsQueuedMax before the earlier ones were answered; the connection is closed',
    429,
  ),
  Undecodable: defineError(
    'EDC_ERR_LINK_UNDECODABLE',
    'A frame arrived whole but its ISO 8583 payload does not decode; answered with response code 30 when the header can be read',
    400,
  ),
  NoAnswer: defineError(
    'EDC_ERR_LINK_NO_ANSWER',
    'No response could be sent for a request (the ledger failed, or the request was too broken to address a response)',
    500,
  ),
  Options: defineError(
    'EDC_ERR_LINK_CONFIG',
    'A terminal link option is out of range (baud rate, port, timeouts, limits)',
  ),
} as const;
