/**
 * The replay guard (TokenNonceStore.claimNonce) in PostgreSQL: one `nonce` row per claimed
 * (agent, nonce) until its expiry, shared by every replica and kept across restarts. A claim is
 * committed (synchronous_commit: durable across a power loss) before it resolves; of concurrent
 * claims of one nonce, on any replicas, the primary key lets exactly one insert.
 *
 * Bound: at most entriesMax live nonces ('full' beyond, never an early forget). Counting them on
 * every claim would cost a scan, so a replica counts exactly when its estimate (last count plus
 * its own fresh claims since) nears the bound, and at least once per nonceRecountIntervalMs;
 * between counts the other replicas' claims are unseen, so the bound may be passed by what they
 * claim in that interval. Expired nonces are deleted as claims pass, at most nonceSweepEntriesMax each.
 */
import type { NonceClaim } from '../types.ts';
import type { Queryable } from './kv.ts';

export const nonceSweepEntriesMax = 1000;
export const nonceRecountIntervalMs = 1000;

export class PgNonces {
  #counted = 0;
  #countedAt = -Infinity;
  #freshSince = 0;

  constructor(
    private readonly conn: Queryable,
    private readonly entriesMax: number,
  ) {}

  async claim(agentId: string, nonce: string, expiresAt: number, now: number): Promise<NonceClaim> {
    await this.conn.query(
      'DELETE FROM nonce WHERE (agent_id, nonce) IN ' +
        '(SELECT agent_id, nonce FROM nonce WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)',
      [now, nonceSweepEntriesMax],
    );
    const held = await this.conn.query<{ expires_at: string }>(
      'SELECT expires_at FROM nonce WHERE agent_id = $1 AND nonce = $2',
      [agentId, nonce],
    );
    const heldUntil = held.rows[0] === undefined ? undefined : Number(held.rows[0].expires_at);
    if (heldUntil !== undefined && now <= heldUntil) return 'replay';
    if (await this.#full(now)) return 'full';
    const res = await this.conn.query(
      'INSERT INTO nonce (agent_id, nonce, expires_at) VALUES ($1, $2, $3) ' +
        'ON CONFLICT (agent_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE nonce.expires_at < $4',
      [agentId, nonce, expiresAt, now],
    );
    if (res.rowCount !== 1) return 'replay';
    this.#freshSince += 1;
    return 'fresh';
  }

  async #full(now: number): Promise<boolean> {
    const estimate = this.#counted + this.#freshSince;
    const near = estimate >= this.entriesMax - Math.ceil(this.entriesMax / 10);
    if (near || Date.now() - this.#countedAt >= nonceRecountIntervalMs) {
      const res = await this.conn.query<{ n: string }>(
        'SELECT count(*) AS n FROM (SELECT 1 FROM nonce WHERE expires_at >= $1 LIMIT $2) AS live',
        [now, this.entriesMax],
      );
      this.#counted = Number(res.rows[0]?.n ?? 0);
      this.#countedAt = Date.now();
      this.#freshSince = 0;
    }
    return this.#counted + this.#freshSince >= this.entriesMax;
  }
}
