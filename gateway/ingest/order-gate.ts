/**
 * Stores the uploads one agent has in flight at once in chain order (protocol/README.md,
 * "Pipelined uploads"). An agent may send its next upload (first seq = this one's last + 1)
 * before the receipt of this one arrives; both are verified at the same time (the costly part,
 * on the worker threads), but the successor reaches the store only after its predecessor's store
 * step ended, whatever its outcome. Without this the successor could reach the store first and
 * be refused as a gap. The store still decides everything (duplicate, gap, fork) against the head
 * it holds: this gate only orders, so an upload with no predecessor here (the predecessor lost,
 * refused before its body was read, or on another replica) meets the store as before.
 *
 * The predecessor may also reach this process after its successor (two connections; bodies read
 * at their own pace): a successor the store refuses as a gap waits up to gapWaitMsMax for an
 * upload ending just before it to arrive and finish, then tries the store once more.
 *
 * Bounds: uploadsInOrderPerAgentMax uploads of one agent are tracked (more are stored unordered,
 * as before); a successor waits at most orderWaitMsMax for its predecessor, then goes to the store.
 */

/** Uploads of one agent kept in order at once. */
export const uploadsInOrderPerAgentMax = 4;
/** Longest wait of a successor for its predecessor's store step, ms. */
export const orderWaitMsMax = 30_000;
/** Longest wait, after a gap, for a predecessor not yet arrived, ms. */
export const gapWaitMsMax = 2_000;

export interface OrderTicket {
  /** Resolves when the predecessor upload (if one is in flight here) has finished its store step. */
  ready(): Promise<void>;
  /** Ends this upload's store step: a waiting successor proceeds. Call exactly once. */
  leave(): void;
}

const noTicket: OrderTicket = { ready: () => Promise.resolve(), leave: () => undefined };

export class UploadOrderGate {
  /** agentId -> (last seq of an upload in flight -> resolved when its store step ended). */
  readonly #inFlight = new Map<string, Map<number, Promise<void>>>();
  /** Woken on every enter(): successors waiting for a predecessor to arrive (gapWaitMsMax each). */
  #arrivals = new Set<() => void>();

  enter(agentId: string, firstSeq: number, lastSeq: number): OrderTicket {
    let uploads = this.#inFlight.get(agentId);
    if (uploads === undefined) this.#inFlight.set(agentId, (uploads = new Map<number, Promise<void>>()));
    if (uploads.size >= uploadsInOrderPerAgentMax || uploads.has(lastSeq)) return noTicket;
    const waiting = this.#arrivals;
    this.#arrivals = new Set();
    for (const wake of waiting) wake();
    const predecessor = uploads.get(firstSeq - 1);
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    uploads.set(lastSeq, ended);
    let left = false;
    return {
      ready: () => (predecessor === undefined ? Promise.resolve() : waitAtMost(predecessor, orderWaitMsMax)),
      leave: () => {
        if (left) return;
        left = true;
        end();
        const held = this.#inFlight.get(agentId);
        if (held?.get(lastSeq) === ended) held.delete(lastSeq);
        if (held?.size === 0) this.#inFlight.delete(agentId);
      },
    };
  }

  /**
   * After a gap: waits (at most gapWaitMsMax) for an upload of the agent ending at `seq` to be in
   * flight here, then for its store step; true when there was one (the store is worth asking again).
   */
  async predecessorSettled(agentId: string, seq: number): Promise<boolean> {
    const deadline = Date.now() + gapWaitMsMax;
    for (;;) {
      const predecessor = this.#inFlight.get(agentId)?.get(seq);
      if (predecessor !== undefined) {
        await waitAtMost(predecessor, orderWaitMsMax);
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await waitAtMost(new Promise<void>((resolve) => this.#arrivals.add(resolve)), left);
    }
  }

  /** Uploads tracked now (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const uploads of this.#inFlight.values()) n += uploads.size;
    return n;
  }
}

function waitAtMost(done: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
}
