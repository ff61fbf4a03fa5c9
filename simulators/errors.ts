import { defineError, errorRegistry } from '../protocol/errors.ts';

/** Error registry of simulators/ (documented in simulators/README.md). */
export const simulatorErrors = {
  ERR_SIM_CONFIG: defineError('EDC_ERR_SIM_CONFIG', 'A simulator option or scenario file is invalid (details.issues says which)'),
  ERR_SIM_PROXY_BODY_TOO_LARGE: defineError('EDC_ERR_SIM_PROXY_BODY_TOO_LARGE', 'The signal proxy received a request body over its limit', 413),
} as const;

export const { ERR_SIM_CONFIG, ERR_SIM_PROXY_BODY_TOO_LARGE } = simulatorErrors;
export const simulatorErrorRegistry = errorRegistry(simulatorErrors);
