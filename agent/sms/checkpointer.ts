/**
 * Signed checkpoints over SMS while the agent cannot upload (protocol/README.md "Signed
 * checkpoint over SMS"). Every `intervalMs`, when the forwarder is failing or halted and the
 * ledger holds entries the gateway has not acknowledged, the agent signs its head with running
 * totals and sends it through the modem; at most `attemptsMax` attempts per checkpoint,
 * `retryDelayMs` apart, for retryable failures (timeouts, +CMS ERROR 322/330/331/332); a
 * refusal (302, 304, ERROR) ends the checkpoint. It runs beside authorization and never waits
 * for it or makes it wait: it only reads the ledger (exportBundle) and the modem's port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { encodeCheckpoint, type CheckpointBody } from '../../protocol/sms/checkpoint.ts';
import type { AgentCore } from '../core/types.ts';
import { sendThroughModem, type ModemTarget, type SendOutcome } from './modem.ts';

export interface CheckpointSettings extends ModemTarget {
  readonly gatewayNumber: string;
  readonly intervalMs: number;
  readonly attemptsMax: number;
  readonly retryDelayMs: number;
}

export interface CheckpointerSnapshot {
  readonly lastSent: { readonly seq: number; readonly at: number; readonly ref: number | null } | null;
  readonly lastError: { readonly problem: string; readonly at: number } | null;
  readonly sent: number;
  readonly failedAttempts: number;
}

export interface CheckpointerOptions {
  readonly core: Pick<AgentCore, 'head' | 'ackHead' | 'exportBundle'>;
  readonly agentId: string;
  readonly seed: string;
  readonly logger: Logger;
  /** true while uploads work (no checkpoint is needed then). */
  readonly uploading: () => boolean;
  readonly settings: CheckpointSettings;
  readonly now?: () => number;
}

interface Totals {
  seq: number;
  hash: string;
  withdrawn: number;
  reversed: number;
}

export class Checkpointer {
  private totals: Totals = { seq: 0, hash: '0'.repeat(64), withdrawn: 0, reversed: 0 };
  private lastSent: CheckpointerSnapshot['lastSent'] = null;
  private lastError: CheckpointerSnapshot['lastError'] = null;
  private sent = 0;
  private failedAttempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: CheckpointerOptions) {}

  snapshot(): CheckpointerSnapshot {
    return { lastSent: this.lastSent, lastError: this.lastError, sent: this.sent, failedAttempts: this.failedAttempts };
  }

  start(): void {
    this.schedule(this.options.settings.intervalMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.options.settings.intervalMs));
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      const head = this.options.core.head();
      const due = !this.options.uploading() && head.seq > this.options.core.ackHead().seq;
      if (due && (this.lastSent === null || this.lastSent.seq < head.seq)) await this.sendNow();
    } catch (error) {
      this.lastError = { problem: (error as Error).message, at: this.now() };
      this.options.logger.warn({ err: { code: (error as { code?: string }).code } }, 'checkpoint not made');
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Reads the entries after the last totals (bounded bundles) and adds them up. */
  private async catchUp(): Promise<Totals> {
    const target = this.options.core.head().seq;
    while (this.totals.seq < target) {
      const bundle = await this.options.core.exportBundle(this.totals.seq + 1);
      if (bundle.entries.length === 0) break;
      const next = { ...this.totals };
      for (const entry of bundle.entries) {
        if (entry.kind === 'withdrawal') next.withdrawn += entry.amount;
        else next.reversed += entry.amount;
      }
      next.seq = bundle.manifest.toSeq;
      next.hash = bundle.manifest.headHash;
      this.totals = next;
    }
    return this.totals;
  }

  /** Makes and sends one checkpoint of the current head, with bounded retries. */
  async sendNow(): Promise<SendOutcome> {
    const totals = await this.catchUp();
    if (totals.seq === 0) return { ok: false, retry: false, problem: 'empty ledger: nothing to checkpoint' };
    const body: CheckpointBody = {
      agentId: this.options.agentId,
      seq: totals.seq,
      at: this.now(),
      withdrawn: totals.withdrawn,
      reversed: totals.reversed,
      headHash: totals.hash,
    };
    const data = encodeCheckpoint(body, this.options.seed);
    const { settings, logger } = this.options;
    let outcome: SendOutcome = { ok: false, retry: false, problem: 'not attempted' };
    for (let attempt = 1; attempt <= settings.attemptsMax && !this.stopped; attempt += 1) {
      outcome = await sendThroughModem(settings, settings.gatewayNumber, data);
      if (outcome.ok) {
        this.sent++;
        this.lastSent = { seq: body.seq, at: body.at, ref: outcome.ref };
        logger.info({ seq: body.seq, ref: outcome.ref, attempt }, 'checkpoint sent by SMS');
        return outcome;
      }
      this.failedAttempts++;
      this.lastError = { problem: outcome.problem, at: this.now() };
      logger.warn({ seq: body.seq, attempt, problem: outcome.problem }, 'checkpoint SMS not sent');
      if (!outcome.retry || attempt === settings.attemptsMax) break;
      await sleep(settings.retryDelayMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
    return outcome;
  }
}
