/** The core's limits, units last. */
export const groupCommitMaxDefault = 256;
export const groupCommitMaxLimit = 4096;
/**
 * Writing requests (0200, 0400, 0500) waiting for a group commit, across every terminal; one
 * more is answered 96 at once (EDC_ERR_CORE_BUSY in the log) rather than queued without bound.
 * 16 batches of the default group size: a disk that stalls for seconds is not hidden.
 */
export const pendingRequestsMaxDefault = 4096;
export const pendingRequestsMaxLimit = 65_536;
/** Cards whose sealed PAN is kept for reuse within one entitlement set (sealed-pans.ts). */
export const sealedPansMax = 200_000;
/** A retransmission arrives within minutes; a dedupe record older than this is a new request
 * that reuses (terminal, STAN, MMDD), which recurs at the earliest a year later. */
export const dedupeWindowMs = 180 * 24 * 60 * 60_000;
export const unacknowledgedLimitMax = 100_000;
export const haltReasonCharsMax = 500;
export const verifyProblemsMax = 100;
/** Newest entries whose signatures and indexes are checked on every open (all entries get schema, link, hash). */
export const openVerifySignedEntries = 256;
/**
 * How far the wall clock may fall behind the trusted time before withdrawals stop: small steps
 * (NTP corrections) are absorbed by stamping at the trusted time; the same figure as the
 * gateway's request clock skew (requestClockSkewMaxMs), so a clock the gateway accepts is one
 * the agent accepts.
 */
export const clockToleranceMsDefault = 5 * 60_000;
export const clockToleranceMsMax = 24 * 60 * 60_000;
/** Waits between attempts to reopen the ledger after a storage failure (full jitter). */
export const recoveryBackoffBaseMs = 200;
export const recoveryBackoffCapMs = 30_000;
/** Committed decisions kept in memory to answer retransmissions during a storage failure. */
export const recentDecisionsMax = 1024;
