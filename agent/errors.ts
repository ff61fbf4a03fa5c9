/**
 * The agent's error registry: every coded error any part of the agent can raise, keyed by code.
 * Each sub-area keeps its constructors in its own errors.ts; adding an area is one import and
 * one argument below. docs/agent-errors.md lists the same codes (tests/agent/core/errors.test.ts
 * holds the two equal).
 */
import { errorRegistry } from '../protocol/errors.ts';
import { cliErrors } from './cli/errors.ts';
import { configErrors } from './config-errors.ts';
import { coreErrors } from './core/errors.ts';
import { forwardErrors } from './forward/errors.ts';
import { linkErrors } from './link/errors.ts';
import { statusErrors } from './status/errors.ts';

export const agentErrors = errorRegistry(configErrors, coreErrors, linkErrors, forwardErrors, cliErrors, statusErrors);
