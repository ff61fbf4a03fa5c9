/** The environment variable that sets a soak agent's wall clock offset at start (agent-child.ts), ms. */
export const clockOffsetEnv = 'EDC_SOAK_CLOCK_OFFSET_MS';
