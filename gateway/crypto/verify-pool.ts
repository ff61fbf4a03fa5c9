/**
 * Verifying uploaded chain segments on every core. An entry's Ed25519 signature check (about
 * 0.15 ms) is most of the CPU an upload costs, and the event loop also parses JSON, serves HTTP
 * and writes the store: with verification on the main thread the gateway used one core of two.
 * The pool splits a segment into chunks of at least chunkEntriesMin entries and hands them to
 * worker threads; a chunk is checked from the entry before it (its seq and hash), so the links
 * between chunks are checked too and the first break over the whole segment is the first break
 * of the lowest chunk that has one: the same answer as protocol findChainBreak in one piece.
 *
 * Limits: `workers` threads (default: the machine's cores, at most workersMax) and at most
 * chunksPendingMax chunks waiting or running; a segment that would pass it is refused whole with
 * EDC_ERR_UNAVAILABLE (503, the agent retries with backoff) rather than queued without bound.
 * A worker that dies fails its chunks with EDC_ERR_INTERNAL and is replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { findChainBreak, type ChainBreak, type ChainHead } from '../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { ERR_INTERNAL, ERR_UNAVAILABLE } from '../errors.ts';

export const verifyWorkersMax = 8;
export const chunksPendingMaxDefault = 4096;
export const chunkEntriesMin = 16;
/** Longest wait in ready() for the workers to have loaded their modules, ms. */
export const workersStartMsMax = 60_000;

export interface ChainVerifier {
  /** The first entry that does not continue the chain from `from`, or undefined. */
  findChainBreak(entries: readonly LedgerEntry[], from: ChainHead, publicKey: string): Promise<ChainBreak | undefined>;
  /** Resolves once the verifier can start at once (worker threads loaded), at most workersStartMsMax. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Verifies on the calling thread (tests, CLI imports, and a gateway configured with 0 workers). */
export const inlineVerifier: ChainVerifier = {
  findChainBreak: (entries, from, publicKey) => Promise.resolve(findChainBreak(entries, from, publicKey)),
  ready: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export interface VerifyRequest {
  readonly id: number;
  readonly entries: readonly LedgerEntry[];
  readonly from: ChainHead;
  readonly publicKey: string;
}

export type VerifyReply =
  { readonly id: number; readonly chainBreak: ChainBreak | null } | { readonly id: number; readonly error: string };

interface Job {
  readonly request: VerifyRequest;
  readonly resolve: (chainBreak: ChainBreak | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  running: Map<number, Job>;
  /** Resolved when the worker has loaded its modules (its `ready` message) or was lost. */
  started: Promise<void>;
}

export interface VerifyPoolOptions {
  readonly workers?: number;
  readonly chunksPendingMax?: number;
}

export class VerifyPool implements ChainVerifier {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private pending = 0;
  private closed = false;
  readonly workers: number;
  readonly chunksPendingMax: number;

  constructor(options: VerifyPoolOptions = {}) {
    this.workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), verifyWorkersMax));
    this.chunksPendingMax = options.chunksPendingMax ?? chunksPendingMaxDefault;
    for (let i = 0; i < this.workers; i++) this.slots.push(this.spawn());
  }

  async findChainBreak(
    entries: readonly LedgerEntry[],
    from: ChainHead,
    publicKey: string,
  ): Promise<ChainBreak | undefined> {
    if (entries.length === 0) return undefined;
    const chunks = this.split(entries.length);
    if (this.closed) throw new ERR_UNAVAILABLE('Cannot verify the upload: the gateway is shutting down');
    if (this.pending + chunks.length > this.chunksPendingMax) {
      throw new ERR_UNAVAILABLE(
        `Cannot verify the upload now: ${this.pending} chunks wait for verification, ` +
          `chunksPendingMax is ${this.chunksPendingMax}; retry later`,
        { pending: this.pending, chunksPendingMax: this.chunksPendingMax },
      );
    }
    const results = await Promise.all(
      chunks.map(([start, end]) => {
        const head = start === 0 ? from : { seq: entries[start - 1]!.seq, hash: entries[start - 1]!.hash };
        return this.run({ id: this.nextId++, entries: entries.slice(start, end), from: head, publicKey });
      }),
    );
    for (const [i, chainBreak] of results.entries()) {
      if (chainBreak !== undefined) return { ...chainBreak, index: chainBreak.index + chunks[i]![0] };
    }
    return undefined;
  }

  /**
   * Waits until every worker has loaded tsx and the protocol modules (about a second of CPU per
   * thread, more on a loaded machine), so a gateway listens with its pool able to verify at once.
   * A worker lost while starting is replaced and its replacement waited for.
   */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, workersStartMsMax)));
    const all = async (): Promise<void> => {
      let waited: Promise<void>[] = [];
      do {
        const starting = this.slots.map((slot) => slot.started);
        if (starting.every((p, i) => p === waited[i])) return;
        waited = starting;
        await Promise.all(starting);
      } while (!this.closed);
    };
    await Promise.race([all(), late]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new ERR_UNAVAILABLE('The verification pool closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** [start, end) ranges: one per worker, none smaller than chunkEntriesMin (but the only one). */
  private split(length: number): Array<[number, number]> {
    const count = Math.max(1, Math.min(this.workers, Math.floor(length / chunkEntriesMin)));
    const size = Math.ceil(length / count);
    const chunks: Array<[number, number]> = [];
    for (let start = 0; start < length; start += size) chunks.push([start, Math.min(length, start + size)]);
    return chunks;
  }

  private run(request: VerifyRequest): Promise<ChainBreak | undefined> {
    this.pending += 1;
    return new Promise<ChainBreak | undefined>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.dispatch();
    }).finally(() => {
      this.pending -= 1;
    });
  }

  /** Hands waiting jobs to the least busy workers, at most two jobs in flight per worker. */
  private dispatch(): void {
    while (this.waiting.length > 0) {
      const slot = this.slots.reduce((a, b) => (b.running.size < a.running.size ? b : a));
      if (slot.running.size >= 2) return;
      const job = this.waiting.shift()!;
      slot.running.set(job.request.id, job);
      slot.worker.postMessage(job.request);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./verify-worker.mjs', import.meta.url));
    let started!: () => void;
    const slot: Slot = { worker, running: new Map(), started: new Promise<void>((resolve) => (started = resolve)) };
    worker.unref();
    worker.once('exit', () => started());
    worker.on('message', (reply: VerifyReply | { ready: true }) => {
      if (!('id' in reply)) return started();
      const job = slot.running.get(reply.id);
      if (job === undefined) return;
      slot.running.delete(reply.id);
      if ('error' in reply) job.reject(new ERR_INTERNAL(`Chain verification failed in a worker: ${reply.error}`));
      else job.resolve(reply.chainBreak ?? undefined);
      this.dispatch();
    });
    worker.on('error', (error) => this.lost(slot, error));
    worker.on('exit', (code) => this.lost(slot, new Error(`verification worker exited with code ${code}`)));
    return slot;
  }

  /** A worker died: its chunks fail (the upload is answered 500 and retried), a new one takes its place. */
  private lost(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    for (const job of slot.running.values())
      job.reject(new ERR_INTERNAL(`Chain verification worker failed: ${error.message}`));
    slot.running.clear();
    if (this.closed) return;
    this.slots[index] = this.spawn();
    this.dispatch();
  }
}
