/** Tokens and nonces: staff tokens (by hash) and the durable replay guard of agent requests. */

export type Role = 'viewer' | 'reconciler' | 'admin';

export interface TokenRecord {
  readonly tokenSha256: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
}

/** fresh: recorded now; replay: already held and not expired; full: nonceEntriesMax live nonces held. */
export type NonceClaim = 'fresh' | 'replay' | 'full';

export interface TokenNonceStore {
  putToken(record: TokenRecord): Promise<void>;
  getToken(tokenSha256: string): Promise<TokenRecord | undefined>;
  /**
   * Claims an agent request's nonce until `expiresAt` (its timestamp + the skew window, after
   * which the timestamp check refuses the request anyway). 'replay' when the same agent's nonce
   * is held and `now <= expiresAt` of that claim, across restarts of the store; 'full' when the
   * store holds its bound of live nonces (it forgets none early: that would open a replay).
   * Implementations delete expired nonces themselves, a bounded number per call. A 'fresh'
   * claim survives a crash of the process once the promise resolves; how it survives a power
   * loss is each store's documented choice.
   */
  claimNonce(agentId: string, nonce: string, expiresAt: number, now: number): Promise<NonceClaim>;
}
