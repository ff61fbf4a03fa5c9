/** The core's limits, units last. */
export const groupCommitMaxDefault = 256;
export const groupCommitMaxLimit = 4096;
/** A retransmission arrives within minutes; a dedupe record older than this is a new request
 * that reuses (terminal, STAN, MMDD), which recurs at the earliest a year later. */
export const dedupeWindowMs = 180 * 24 * 60 * 60_000;
export const unacknowledgedLimitMax = 100_000;
export const haltReasonCharsMax = 500;
export const verifyProblemsMax = 100;
