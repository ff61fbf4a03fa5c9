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
} from './errors.ts';
import { checkBatchOrder, haltingCodes, toForwardError, toForwardSetError } from './pass-checks.ts';

/**
 * The batch's agentStatus (protocol "Upload batch"): the head read after the entries (so never
 * below the last one), what stays queued after the batch, and the `at` of the next entry when it
 * was read with the batch.
 */
export function statusReport(
  head: { seq: number; hash: string },
  entries: readonly LedgerEntry[],
  next: LedgerEntry | undefined,
): AgentStatusReport {
  const queued = head.seq - entries[entries.length - 1]!.seq;
  return {
    head: { seq: head.seq, hash: head.hash },
    queued,
    ...(queued > 0 && next !== undefined ? { oldestQueuedAt: next.at } : {}),
  };
}

/** The core refuses longer halt reasons (agent/core limits haltReasonCharsMax). */
const haltReasonCharsMax = 500;

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

  private async drain(cancel: AbortSignal | undefined): Promise<{ uploaded: number; more: boolean }> {
    let limit = this.options.batchEntriesMax;
    let uploaded = 0;
    for (let batch = 0; batch < this.options.batchesPerPassMax; batch++) {
      // One entry more than the batch: its `at` is the oldest of what stays queued (agentStatus).
      const read = await this.core.unacknowledged(limit + 1);
      const entries = read.slice(0, limit);
      if (entries.length === 0) return { uploaded, more: false };
      const from = this.core.ackHead();
      checkBatchOrder(entries, from);
      const agentStatus = statusReport(this.core.head(), entries, read[limit]);
      let receipt: SignedReceipt;
      try {
        receipt = await this.client.upload({ v: 1, agentId: this.options.agentId, entries, agentStatus }, cancel);
      } catch (err) {
        // 413: the body is over the gateway's byte limit; halve the batch until one entry remains.
        if (isEdcError(err, ERR_FORWARD_REJECTED.code) && err.details.status === 413 && entries.length > 1) {
          limit = Math.max(1, Math.floor(entries.length / 2));
          continue;
        }
        throw err;
      }
      const lastSeq = entries[entries.length - 1]!.seq;
      await this.apply(receipt);
      if (this.core.ackHead().seq < lastSeq) {
        throw new ERR_FORWARD_NO_PROGRESS(
          `Receipt acknowledged seq ${receipt.ackSeq}, expected at least ${lastSeq} ` +
            `after uploading ${from.seq + 1}..${lastSeq}`,
          {
            ackSeq: receipt.ackSeq,
            expectedSeq: lastSeq,
            retryable: true,
          },
        );
      }
      uploaded += entries.length;
    }
    return { uploaded, more: true };
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
