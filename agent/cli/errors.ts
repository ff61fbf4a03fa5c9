/**
 * Coded errors of the agent's configuration and command line. A usage error exits with status 2
 * and one line; the others exit 1. Messages are for operators: Bahasa Indonesia first, then English.
 */
import { defineError } from '../../protocol/errors.ts';

export const cliErrors = {
  Usage: defineError(
    'EDC_ERR_CLI_USAGE',
    'A command, flag or flag value is unknown, missing or malformed (exit status 2)',
  ),
  ConfigMissing: defineError(
    'EDC_ERR_CONFIG_MISSING',
    'The agent folder has no agent.json (run `edc-agent init` first)',
  ),
  ConfigExists: defineError(
    'EDC_ERR_CONFIG_EXISTS',
    '`init` found an agent.json or agent.key already in the folder and refuses to overwrite it',
  ),
  ConfigInvalid: defineError(
    'EDC_ERR_CONFIG_INVALID',
    'agent.json is not JSON or fails its schema (details name the field and the problem)',
  ),
  KeyInvalid: defineError(
    'EDC_ERR_KEY_INVALID',
    'agent.key is missing or does not hold a 32-byte Ed25519 seed in base64',
  ),
  KeyPermissions: defineError(
    'EDC_ERR_KEY_PERMISSIONS',
    'agent.key is readable or writable by group or others (must be 0600)',
  ),
  StatusListen: defineError(
    'EDC_ERR_STATUS_LISTEN',
    'The status endpoint could not bind 127.0.0.1 and its port (another agent is running, or the port is taken)',
    503,
  ),
  StatusUnreachable: defineError(
    'EDC_ERR_STATUS_UNREACHABLE',
    "The running agent's status endpoint did not answer a command that needs it",
    503,
  ),
  LedgerInvalid: defineError(
    'EDC_ERR_LEDGER_INVALID',
    '`ledger verify` found problems in the ledger (hashes, signatures, links, indexes or arithmetic)',
    500,
  ),
  ExportWrite: defineError(
    'EDC_ERR_EXPORT_WRITE',
    '`ledger export` could not write the bundle file (exists, no permission, disk full)',
    500,
  ),
  Unexpected: defineError(
    'EDC_ERR_UNEXPECTED',
    'An error without a code reached the command line (a bug: report it with the log)',
    500,
  ),
} as const;
