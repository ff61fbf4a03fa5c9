/**
 * The chain's constants, apart from the zod schemas (schemas.ts re-exports them), so the
 * gateway's verify worker threads, which import only signed.ts, do not build every schema:
 * about 15 MiB per worker thread.
 */

/** prevHash of the first entry of every agent's chain. */
export const genesisHash = '0'.repeat(64);
