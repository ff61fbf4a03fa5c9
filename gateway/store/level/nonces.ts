/**
 * The durable replay guard of agent requests (TokenNonceStore.claimNonce) for the LevelDB store.
 *
 * Every live nonce is held twice: in memory (a Map in claim order, which answers every check
 * without a read) and as a key `nonce!{expiresAt}!{agentId}!{nonce}` (sorted by expiry), loaded
 * back into memory on the first claim after the store opens, so a request captured before a
 * restart is still a replay after it. A claim is one unsynced LevelDB write (no fsync): it is in
 * the operating system's hands when the claim resolves, so it survives the gateway process
 * crashing or being killed; it survives a power loss from the store's next synced write (LevelDB
 * writes one log in order, and syncing it syncs what came before). Every upload and every
 * entitlement request writes a synced batch before it is answered, so their nonces are durable
 * before their answers; only a power loss can forget the nonces of read-only or refused requests
 * answered since the last synced write, and replaying one of those changes nothing.
 *
 * Bounds: at most `entriesMax` live nonces (then 'full': forgetting one early would open a
 * replay); expired ones are deleted as claims pass them, at most nonceSweepEntriesMax per claim,
 * and all of them when the store loads.
 */
import { ERR_STORE_CLOSED } from '../../errors.ts';
import type { NonceClaim } from '../types.ts';
import type { LevelDb } from './db.ts';
import { k, range, sep } from './keys.ts';

/** Expired nonces one claim deletes at most (memory and store). */
export const nonceSweepEntriesMax = 1000;
/** Expired nonces deleted per batch while loading. */
const loadDeleteBatchEntriesMax = 10_000;

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

export class NonceLedger {
  /** `${agentId}!${nonce}` -> expiresAt, oldest claim first. */
  readonly #live = new Map<string, number>();
  #loaded: Promise<void> | undefined;

  /**
   * @param handle the store's open handle (it throws EDC_ERR_STORE_FAILED while the store is failed)
   * @param failed latches the store after a failed nonce write; the error to throw
   */
  constructor(
    private readonly handle: () => LevelDb,
    private readonly failed: (error: unknown) => Error,
    private readonly entriesMax: number,
  ) {}

  private get db(): LevelDb {
    return this.handle();
  }

  async #batch(ops: Op[]): Promise<void> {
    const db = this.db;
    try {
      await db.batch(ops, { sync: false });
    } catch (error) {
      // Unsynced, but a failed append breaks LevelDB's log for the writes after it as well.
      throw db.status === 'open' ? this.failed(error) : error;
    }
  }

  get size(): number {
    return this.#live.size;
  }

  async claim(agentId: string, nonce: string, expiresAt: number, now: number): Promise<NonceClaim> {
    this.#loaded ??= this.#load(now).catch((error: unknown) => {
      this.#loaded = undefined; // a failed load is tried again by the next claim
      throw error;
    });
    await this.#loaded;
    const id = `${agentId}${sep}${nonce}`;
    // From here to the write's start nothing awaits: two claims of one nonce cannot both pass.
    const held = this.#live.get(id);
    if (held !== undefined && now <= held) return 'replay';
    const ops: Op[] = [];
    if (held !== undefined) {
      this.#live.delete(id);
      ops.push({ type: 'del', key: k.nonce(held, id) });
    }
    this.#sweep(now, ops);
    if (this.#live.size >= this.entriesMax) {
      await this.#write(ops);
      return 'full';
    }
    this.#live.set(id, expiresAt);
    ops.push({ type: 'put', key: k.nonce(expiresAt, id), value: '""' });
    await this.#write(ops);
    return 'fresh';
  }

  /** Drops expired nonces from the oldest claims on, stopping at the first live one or the bound. */
  #sweep(now: number, ops: Op[]): void {
    let dropped = 0;
    for (const [id, expiresAt] of this.#live) {
      if (expiresAt >= now || dropped >= nonceSweepEntriesMax) break;
      this.#live.delete(id);
      ops.push({ type: 'del', key: k.nonce(expiresAt, id) });
      dropped += 1;
    }
  }

  async #write(ops: Op[]): Promise<void> {
    if (ops.length === 0) return;
    if (this.db.status !== 'open') throw new ERR_STORE_CLOSED('Cannot record a nonce: the gateway store is closed');
    await this.#batch(ops);
  }

  /** Live nonces into memory (in expiry order), expired ones deleted. */
  async #load(now: number): Promise<void> {
    if (this.db.status !== 'open') throw new ERR_STORE_CLOSED('Cannot read nonces: the gateway store is closed');
    let expired: Op[] = [];
    for await (const key of this.db.keys(range('nonce'))) {
      const [, expiry = '', ...rest] = key.split(sep);
      const expiresAt = Number(expiry);
      if (expiresAt < now) {
        expired.push({ type: 'del', key });
        if (expired.length >= loadDeleteBatchEntriesMax) {
          await this.#batch(expired);
          expired = [];
        }
      } else this.#live.set(rest.join(sep), expiresAt);
    }
    await this.#write(expired);
  }
}
