import { defineError, errorRegistry } from '../protocol/errors.ts';

/** Error registry of simulators/ (documented in simulators/README.md; a test holds them equal). */
export const simulatorErrors = {
  ERR_SIM_CONFIG: defineError(
    'EDC_ERR_SIM_CONFIG',
    'A simulator option or scenario file is invalid (details.issues says which)',
  ),
  ERR_SIM_PROXY_BODY_TOO_LARGE: defineError(
    'EDC_ERR_SIM_PROXY_BODY_TOO_LARGE',
    'The signal proxy received a request body over its limit',
    413,
  ),
  ERR_SIM_USAGE: defineError(
    'EDC_ERR_SIM_USAGE',
    'edc-sim: unknown command, unknown or missing flag, or a malformed flag value (exit status 2)',
  ),
  ERR_SIM_RIG_SETUP: defineError(
    'EDC_ERR_SIM_RIG_SETUP',
    'The rig could not set up a part (gateway command, agent, socat pair, terminal connection)',
    500,
  ),
  ERR_SIM_RIG_STALLED: defineError(
    'EDC_ERR_SIM_RIG_STALLED',
    'A rig part stopped answering: an agent did not drain within the sync attempts or halted,' +
      ' or an exchange had no answer within answerWaitMs',
    500,
  ),
  ERR_SIM_SOAK_PROCESS: defineError(
    'EDC_ERR_SIM_SOAK_PROCESS',
    'A soak process (agent or gateway) did not start, or the final drain did not finish in time',
    500,
  ),
  ERR_SIM_OUTPUT: defineError(
    'EDC_ERR_SIM_OUTPUT',
    "An output file cannot be written (for the rig's report: checked before the run)",
    500,
  ),
  ERR_SIM_CARDS_FILE: defineError(
    'EDC_ERR_SIM_CARDS_FILE',
    'A cards file (edc-sim terminal --cards) cannot be read, or a row is malformed (details.line says which)',
  ),
  ERR_SIM_MONITOR_SOURCE: defineError(
    'EDC_ERR_SIM_MONITOR_SOURCE',
    'edc-sim monitor cannot open or keep its source: a tap device, the TCP listen address or target',
    500,
  ),
  ERR_SIM_CAPTURE: defineError(
    'EDC_ERR_SIM_CAPTURE',
    'A monitor capture file is malformed or over its limits (details.line says where)',
  ),
  ERR_SIM_MODEM: defineError(
    'EDC_ERR_SIM_MODEM',
    'edc-sim modem cannot make or open a pseudo-terminal for a simulated modem (socat, device path)',
    500,
  ),
  ERR_SIM_UNEXPECTED: defineError(
    'EDC_ERR_SIM_UNEXPECTED',
    'An error without a code reached the edc-sim command line (a bug: please report it)',
    500,
  ),
} as const;

export const {
  ERR_SIM_CONFIG,
  ERR_SIM_PROXY_BODY_TOO_LARGE,
  ERR_SIM_USAGE,
  ERR_SIM_RIG_SETUP,
  ERR_SIM_RIG_STALLED,
  ERR_SIM_SOAK_PROCESS,
  ERR_SIM_OUTPUT,
  ERR_SIM_CARDS_FILE,
  ERR_SIM_MONITOR_SOURCE,
  ERR_SIM_CAPTURE,
  ERR_SIM_MODEM,
  ERR_SIM_UNEXPECTED,
} = simulatorErrors;
export const simulatorErrorRegistry = errorRegistry(simulatorErrors);
