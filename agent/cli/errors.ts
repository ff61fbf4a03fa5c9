/**
 * Coded errors of the agent's command line (configuration errors: agent/config-errors.ts). A
 * usage error exits with status 2 and one line; the others exit 1. Messages are for operators:
 * Bahasa Indonesia first, then English.
 */
import { defineError } from '../../protocol/errors.ts';

export const cliErrors = {
  ERR_CLI_USAGE: defineError(
    'EDC_ERR_CLI_USAGE',
    'A command, flag or flag value is unknown, missing or malformed (exit status 2)',
  ),
  ERR_LEDGER_INVALID: defineError(
    'EDC_ERR_LEDGER_INVALID',
    '`ledger verify` found problems in the ledger (hashes, signatures, links, indexes or arithmetic)',
    500,
  ),
  ERR_EXPORT_WRITE: defineError(
    'EDC_ERR_EXPORT_WRITE',
    '`ledger export` could not write the bundle file (exists, no permission, disk full)',
    500,
  ),
  ERR_UNEXPECTED: defineError(
    'EDC_ERR_UNEXPECTED',
    'An error without a code reached the command line (a bug: report it with the log)',
    500,
  ),
} as const;

export const { ERR_CLI_USAGE, ERR_LEDGER_INVALID, ERR_EXPORT_WRITE, ERR_UNEXPECTED } = cliErrors;
