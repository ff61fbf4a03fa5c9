/**
 * Coded errors of the agent's configuration (agent.json and agent.key). Kept apart from the
 * command line's errors because the core and the status endpoint read configuration too, and
 * nothing below agent/cli may import from it.
 */
import { defineError } from '../protocol/errors.ts';

export const configErrors = {
  ERR_CONFIG_MISSING: defineError(
    'EDC_ERR_CONFIG_MISSING',
    'The agent folder has no agent.json (run `edc-agent init` first)',
  ),
  ERR_CONFIG_EXISTS: defineError(
    'EDC_ERR_CONFIG_EXISTS',
    '`init` found an agent.json or agent.key already in the folder and refuses to overwrite it',
  ),
  ERR_CONFIG_INVALID: defineError(
    'EDC_ERR_CONFIG_INVALID',
    'agent.json is not JSON or fails its schema (details name the field and the problem)',
  ),
  ERR_KEY_INVALID: defineError(
    'EDC_ERR_KEY_INVALID',
    'agent.key is missing or does not hold a 32-byte Ed25519 seed in base64',
  ),
  ERR_KEY_PERMISSIONS: defineError(
    'EDC_ERR_KEY_PERMISSIONS',
    'agent.key is readable or writable by group or others (must be 0600)',
  ),
  ERR_GATEWAY_CA: defineError(
    'EDC_ERR_GATEWAY_CA',
    'agent.json gatewayCa names a file that cannot be read or holds no PEM certificate',
  ),
} as const;

export const {
  ERR_CONFIG_MISSING,
  ERR_CONFIG_EXISTS,
  ERR_CONFIG_INVALID,
  ERR_KEY_INVALID,
  ERR_KEY_PERMISSIONS,
  ERR_GATEWAY_CA,
} = configErrors;
