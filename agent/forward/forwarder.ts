/**
 * The forward loop: one pass at a time (never two overlapping), each pass
 *   1. resyncs the acknowledged cursor from GET head when the last pass ended ambiguously (a
 *      timeout or 5xx after an upload may have been stored by the gateway),
 *   2. drains core.unacknowledged() in bounded batches, in order, moving the cursor only through
 *      core.applyReceipt (which verifies the gateway's signature and the ackHash),
 *   3. refreshes the entitlement set (GET entitlements -> core.installEntitlementSet).
 * A fork, gap, 401/403 (but clock skew and replay), rejected upload, bad receipt or damaged
 * ledger stops forwarding loudly through the core's persisted halt, until `edc-agent resume`;
 * everything else backs off with full jitter and tries again, so a transient cause never leaves
 * a permanent halt. Nothing is ever deleted here: the forwarder only reads entries and moves the
 * cursor forward.
 */
import type { Logger } from 'pino';
import type {
  AgentStatusReport,
  LedgerEntry,
  SignedEntitlementSet,
  SignedReceipt,
} from '../../protocol/messages/index.ts';
import { isEdcError } from '../../protocol/errors.ts';
import type { EdcError } from '../../protocol/errors.ts';
import type { GatewayClient } from './gateway-client.ts';
import {
  ERR_FORWARD_HALTED,
  ERR_FORWARD_REJECTED,
  ERR_FORWARD_NO_PROGRESS,
  ERR_FORWARD_BAD_RECEIPT,
  ERR_FORWARD_LEDGER,
  ERR_FORWARD_GAP,
} from './errors.ts';
import { checkBatchOrder, haltingCodes, toForwardError, toForwardSetError } from './pass-checks.ts';

/**
 * The batch's agentStatus (protocol "Upload batch"): the agent's head, what stays queued after the
 * batch, and the `at` of the next entry when it was read with the batch. The core's head moves
 * when a round is answered, after its entries are durable, so a batch read in between can end past
 * it: the ledger then holds at least the batch's last entry, which is the head reported.
 */
export function statusReport(
  coreHead: { seq: number; hash: string },
  entries: readonly LedgerEntry[],
  next: LedgerEntry | undefined,
): AgentStatusReport {
  const last = entries[entries.length - 1]!;
  const head = coreHead.seq >= last.seq ? coreHead : { seq: last.seq, hash: last.hash };
  const queued = head.seq - last.seq;
  return {
    head: { seq: head.seq, hash: head.hash },
    queued,
    ...(queued > 0 && next !== undefined ? { oldestQueuedAt: next.at } : {}),
  };
}

/** The core refuses longer halt reasons (agent/core limits haltReasonCharsMax). */
const haltReasonCharsMax = 500;

type Answer = { readonly receipt: SignedReceipt } | { readonly error: unknown };

/** An upload sent and not yet applied; `answer` never rejects. */
interface InFlight {
  readonly entries: LedgerEntry[];
  readonly agentStatus: AgentStatusReport;
  /** Sent while an earlier batch's receipt was outstanding. */
  readonly pipelined: boolean;
  readonly answer: Promise<Answer>;
}

function tooLarge(error: unknown, entries: number): boolean {
  return isEdcError(error, ERR_FORWARD_REJECTED.code) && error.details.status === 413 && entries > 1;
}

/**
 * Forgets uploads whose outcome no longer matters (a later pass resyncs from GET head): their
 * answers never reject and are not awaited, so a failed pass ends at once rather than after the
 * slowest request's timeout. Should one still be stored, the gateway holds it like any resend.
 */
function dropAll(inFlight: InFlight[]): void {
  inFlight.length = 0;
}

/** A halt an earlier version stored for a 401 that retrying cures (classify.ts). */
const transientHalt = /^EDC_ERR_FORWARD_AUTH: .*\b401 EDC_ERR_AUTH_(?:TIMESTAMP|REPLAY)\b/;

export interface ForwardingCore {
  head(): { seq: number; hash: string };
  ackHead(): { seq: number; hash: string };
  unacknowledged(limit: number): Promise<LedgerEntry[]>;
  applyReceipt(receipt: SignedReceipt): Promise<'advanced' | 'unchanged'>;
  installEntitlementSet(set: SignedEntitlementSet): Promise<void>;
  setForwardingHalt(reason: string | null): Promise<void>;
}

export interface PassOptions {
  readonly agentId: string;
  /** Entries per upload (the gateway accepts at most uploadEntriesMax = 500). */
  readonly batchEntriesMax: number;
  /** Uploads per pass, so one pass ends and status refreshes even with a huge backlog. */
  readonly batchesPerPassMax: number;
  /** Uploads sent before the earliest one's receipt arrived, at most (default 1: one at a time). */
  readonly uploadsInFlightMax?: number;
  /** Reads the persisted halt reason (null when forwarding is allowed). */
  readonly readHalt: () => Promise<string | null>;
  readonly logger: Logger;
}

export type PassOutcome =
  | {
      readonly ok: true;
      readonly uploaded: number;
      readonly more: boolean;
      readonly ackSeq: number;
      readonly entitlementSetId: string | null;
    }
  | {
      readonly ok: false;
      readonly error: EdcError;
      readonly halted: boolean;
      readonly retryAfterMs: number | undefined;
    };

/** One forwarding pass over a core and a gateway client; keeps the "resync first" flag between passes. */
export class ForwardPass {
  /** True at start: a receipt may have been lost when the agent last stopped. */
  private resyncNeeded = true;

  constructor(
    private readonly core: ForwardingCore,
    private readonly client: GatewayClient,
    private readonly options: PassOptions,
  ) {}

  async run(cancel?: AbortSignal): Promise<PassOutcome> {
    let halt = await this.options.readHalt();
    if (halt !== null && transientHalt.test(halt)) {
      // Stored by an agent that halted on clock skew or a replayed nonce, which now heal.
      await this.core.setForwardingHalt(null);
      this.options.logger.warn({ haltReason: halt }, 'halt from a transient cause cleared; forwarding resumes');
      halt = null;
    }
    if (halt !== null) {
      const error = new ERR_FORWARD_HALTED(
        `Forwarding is halted: ${halt}. Run \`edc-agent resume\` after investigating.`,
        { haltReason: halt },
      );
      return { ok: false, error, halted: true, retryAfterMs: undefined };
    }
    try {
      if (this.resyncNeeded) await this.resync(cancel);
      const { uploaded, more } = await this.drain(cancel);
      const set = await this.client.entitlements(cancel);
      await this.core.installEntitlementSet(set).catch((err: unknown) => {
        throw toForwardSetError(err);
      });
      this.resyncNeeded = false;
      const ackSeq = this.core.ackHead().seq;
      this.options.logger.info({ uploaded, ackSeq, more, entitlementSetId: set.setId }, 'forward pass done');
      return { ok: true, uploaded, more, ackSeq, entitlementSetId: set.setId };
    } catch (err) {
      return this.fail(err);
    }
  }

  private async resync(cancel: AbortSignal | undefined): Promise<void> {
    const receipt = await this.client.head(cancel);
    const before = this.core.ackHead().seq;
    await this.apply(receipt);
    this.options.logger.info(
      { ackSeqBefore: before, ackSeq: this.core.ackHead().seq, gatewaySeq: receipt.ackSeq },
      'cursor resynced from gateway head',
    );
  }

  /**
   * Uploads the backlog in batches, up to uploadsInFlightMax at once (protocol/README.md,
   * "Pipelined uploads"): batch k+1 (the entries after batch k's last) is sent before batch k's
   * receipt arrives, and receipts are applied strictly in order, each moving the cursor through
   * core.applyReceipt as before. A later batch's answer is looked at only after every earlier
   * one was applied; when an earlier one fails, the later ones' answers are dropped unread (the
   * next pass resyncs from GET head). A pipelined batch refused as a gap (it overtook its
   * predecessor on the way to the gateway) is sent again once, alone; a second gap halts as always.
   */
  private async drain(cancel: AbortSignal | undefined): Promise<{ uploaded: number; more: boolean }> {
    let limit = this.options.batchEntriesMax;
    let window = Math.max(1, this.options.uploadsInFlightMax ?? 1);
    const inFlight: InFlight[] = [];
    let uploaded = 0;
    let batches = 0;
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && inFlight.length < window && batches < this.options.batchesPerPassMax) {
          const { entries, next } = await this.nextBatch(inFlight, limit);
          if (entries.length === 0) exhausted = true;
          else {
            const agentStatus = statusReport(this.core.head(), entries, next);
            inFlight.push(this.send(entries, agentStatus, inFlight.length > 0, cancel));
            batches += 1;
          }
        }
        const head = inFlight.shift();
        if (head === undefined) return { uploaded, more: !exhausted };
        const outcome = await head.answer;
        if ('error' in outcome && tooLarge(outcome.error, head.entries.length)) {
          // 413: the body is over the gateway's byte limit; halve the batch until one entry remains,
          // one upload at a time for the rest of the pass (the others in flight were as large).
          limit = Math.max(1, Math.floor(head.entries.length / 2));
          window = 1;
          dropAll(inFlight);
          exhausted = false;
          continue;
        }
        const receipt = await this.receiptOf(head, outcome, cancel);
        await this.applyInOrder(head.entries, receipt);
        uploaded += head.entries.length;
      }
    } finally {
      dropAll(inFlight);
    }
  }

  /**
   * The next batch, from the cursor or after the last batch in flight, and the entry after it
   * (read with it, one more than the batch: its `at` is the oldest of what stays queued).
   */
  private async nextBatch(
    inFlight: readonly InFlight[],
    limit: number,
  ): Promise<{ entries: LedgerEntry[]; next: LedgerEntry | undefined }> {
    const ack = this.core.ackHead();
    const last = inFlight.at(-1)?.entries.at(-1);
    const from = last === undefined ? ack : { seq: last.seq, hash: last.hash };
    const read = await this.core.unacknowledged(from.seq - ack.seq + limit + 1);
    const after = read.filter((e) => e.seq > from.seq);
    const entries = after.slice(0, limit);
    checkBatchOrder(entries, from);
    return { entries, next: after[limit] };
  }

  private send(
    entries: LedgerEntry[],
    agentStatus: AgentStatusReport,
    pipelined: boolean,
    cancel: AbortSignal | undefined,
  ): InFlight {
    const batch = { v: 1 as const, agentId: this.options.agentId, entries, agentStatus };
    const answer = this.client.upload(batch, cancel).then(
      (receipt) => ({ receipt }),
      (error: unknown) => ({ error }),
    );
    return { entries, agentStatus, pipelined, answer };
  }

  /** The batch's receipt, or its error thrown; a pipelined batch's gap is sent once more, alone. */
  private async receiptOf(head: InFlight, outcome: Answer, cancel: AbortSignal | undefined): Promise<SignedReceipt> {
    if ('receipt' in outcome) return outcome.receipt;
    if (!(head.pipelined && isEdcError(outcome.error, ERR_FORWARD_GAP.code))) throw outcome.error;
    const fromSeq = head.entries[0]!.seq;
    this.options.logger.info({ fromSeq }, 'pipelined upload overtook its predecessor; sent again');
    const { entries, agentStatus } = head;
    return this.client.upload({ v: 1, agentId: this.options.agentId, entries, agentStatus }, cancel);
  }

  private async applyInOrder(entries: readonly LedgerEntry[], receipt: SignedReceipt): Promise<void> {
    const lastSeq = entries[entries.length - 1]!.seq;
    await this.apply(receipt);
    if (this.core.ackHead().seq < lastSeq) {
      throw new ERR_FORWARD_NO_PROGRESS(
        `Receipt acknowledged seq ${receipt.ackSeq}, expected at least ${lastSeq} ` +
          `after uploading ${entries[0]!.seq}..${lastSeq}`,
        {
          ackSeq: receipt.ackSeq,
          expectedSeq: lastSeq,
          retryable: true,
        },
      );
    }
  }

  private async apply(receipt: SignedReceipt): Promise<void> {
    if (receipt.agentId !== this.options.agentId) {
      throw new ERR_FORWARD_BAD_RECEIPT(`Receipt is for agent ${receipt.agentId}, expected ${this.options.agentId}`, {
        receiptAgentId: receipt.agentId,
      });
    }
    try {
      await this.core.applyReceipt(receipt);
    } catch (err) {
      throw toForwardError(err, receipt);
    }
  }

  private async fail(err: unknown): Promise<PassOutcome> {
    const error = isEdcError(err)
      ? err
      : new ERR_FORWARD_LEDGER(
          `Forward pass failed in the ledger: ${err instanceof Error ? err.message : String(err)}`,
          { retryable: true },
          err,
        );
    const halted = haltingCodes.has(error.code);
    if (halted) {
      const reason = `${error.code}: ${error.message}`.slice(0, haltReasonCharsMax);
      // A damaged ledger or one being reopened cannot store the halt; the pass still reports it.
      await this.core
        .setForwardingHalt(reason)
        .catch((err: unknown) => this.options.logger.error({ err }, 'forwarding halt could not be stored'));
      this.options.logger.error({ err: error }, 'forwarding halted');
    } else {
      // After any failure the gateway may hold more than the receipt we saw: ask it first next time.
      this.resyncNeeded = true;
      this.options.logger.warn({ err: error }, 'forward pass failed, will retry');
    }
    const retryAfterMs = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : undefined;
    return { ok: false, error, halted, retryAfterMs };
  }
}
