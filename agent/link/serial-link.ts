/**
 * One serial port = one terminal, 8N1 at the configured baud, speaking STX/LEN/ETX/LRC frames
 * with ACK/NAK (protocol/link SerialLinkSession). Responses are sent one at a time (the link is
 * stop-and-wait) in request order. A port that fails to open, errors or closes is reopened with
 * capped exponential backoff and full jitter; ports are opened by path because
 * SerialPort.list() never shows pseudo-terminals. A dropped line is otherwise noticed only on
 * the next write, so every received byte refreshes last-activity and status shows a port with
 * no traffic (not even the terminal's periodic 0800 echo) for silenceMaxMs as silent.
 */
import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import { serialPortDefaults } from '../../protocol/link/constants.ts';
import { SerialLinkSession } from '../../protocol/link/serial-session.ts';
import type { EdcError } from '../../protocol/errors.ts';
import { backoffDelayMs } from '../forward/backoff.ts';
import { answerPayload } from './answer.ts';
import type { RequestHandler } from './answer.ts';
import { ERR_LINK_CONFIG, ERR_SERIAL_OPEN, ERR_SERIAL_CLOSED, ERR_LINK_BACKLOG } from './errors.ts';
import type { LinkRecord, LinkRegistry } from './registry.ts';

export interface SerialLinkOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly reopenBaseMs: number;
  readonly reopenCapMs: number;
  readonly requestsQueuedMax: number;
  readonly ackWaitMs?: number;
  readonly interByteTimeoutMs?: number;
}

export interface SerialLinkContext {
  readonly handler: RequestHandler;
  readonly logger: Logger;
  readonly registry: LinkRegistry;
}

export const serialLinkDefaults = Object.freeze({
  baudRate: serialPortDefaults.baudRate,
  reopenBaseMs: 500,
  reopenCapMs: 30_000,
  requestsQueuedMax: 8,
});

export class SerialTerminalLink {
  private port: SerialPort | undefined;
  private session: SerialLinkSession | undefined;
  private readonly record: LinkRecord;
  private readonly id: string;
  private stopped = false;
  private failures = 0;
  private reopenTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly options: SerialLinkOptions,
    private readonly context: SerialLinkContext,
  ) {
    if (
      options.path === '' ||
      !Number.isInteger(options.baudRate) ||
      options.baudRate < 50 ||
      options.baudRate > 4_000_000
    ) {
      throw new ERR_LINK_CONFIG(
        `Cannot configure serial terminal: expected a device path and a baud rate 50..4000000, ` +
          `found ${JSON.stringify(options.path)} at ${String(options.baudRate)}`,
        {
          path: options.path,
          baudRate: options.baudRate,
        },
      );
    }
    this.id = `serial:${options.path}`;
    this.record = context.registry.open(this.id, 'serial', 'opening');
  }

  /** Starts opening the port; failures are retried in the background, never thrown. */
  start(): void {
    this.open();
  }

  /** The first step of close(), on its own so an agent can stop every link reading at once. */
  stopReading(): void {
    this.stopped = true;
    if (this.reopenTimer !== undefined) clearTimeout(this.reopenTimer);
  }

  /**
   * Shutdown: no request frame is taken after this call (one that arrives is ACKed by the link
   * layer but never decided, so its terminal times out and reverses nothing); every request
   * already taken is answered (its response sent and ACKed or given up), then the port closes.
   */
  async close(): Promise<void> {
    this.stopReading();
    await this.chain;
    this.session?.close();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.context.registry.setState(this.record, 'closed');
  }

  private open(): void {
    if (this.stopped) return;
    const port = new SerialPort({
      ...serialPortDefaults,
      path: this.options.path,
      baudRate: this.options.baudRate,
      autoOpen: false,
    });
    this.port = port;
    port.open((err) => {
      if (err !== null)
        return this.lost(
          new ERR_SERIAL_OPEN(
            `Cannot open serial port ${this.options.path}: ${err.message}`,
            { path: this.options.path },
            err,
          ),
        );
      if (this.stopped) return void port.close();
      this.attach(port);
    });
  }

  private attach(port: SerialPort): void {
    this.failures = 0;
    this.context.registry.setState(this.record, 'connected');
    this.context.logger.info({ link: this.id, baudRate: this.options.baudRate }, 'serial port open');
    const session = new SerialLinkSession({
      write: (bytes) => void port.write(Buffer.from(bytes)),
      onMessage: (payload) => this.enqueue(payload),
      onError: (error) => this.onLinkError(error),
      ackWaitMs: this.options.ackWaitMs,
      interByteTimeoutMs: this.options.interByteTimeoutMs,
      // 8N1: ten bits per byte, so the ACK wait allows for the frame's own time on the line at this baud.
      lineBytesPerSecond: this.options.baudRate / 10,
    });
    this.session = session;
    port.on('data', (chunk: Buffer) => {
      this.context.registry.touch(this.record);
      session.receive(chunk);
    });
    port.on('error', (err) => this.context.logger.warn({ link: this.id, err }, 'serial port error'));
    port.once('close', () => {
      session.close();
      if (this.port === port)
        this.lost(new ERR_SERIAL_CLOSED(`Serial port ${this.options.path} closed`, { path: this.options.path }));
    });
  }

  private enqueue(payload: Uint8Array): void {
    if (this.stopped) {
      this.context.logger.warn({ link: this.id }, 'request frame arrived during shutdown; not decided, not answered');
      return;
    }
    if (this.queued >= this.options.requestsQueuedMax) {
      this.onLinkError(
        new ERR_LINK_BACKLOG(
          `Serial terminal ${this.options.path} has ${this.queued} requests unanswered; dropping one`,
          { queued: this.queued },
        ),
      );
      return;
    }
    this.queued++;
    this.record.requests++;
    const session = this.session;
    this.chain = this.chain.then(async () => {
      const answer = await answerPayload(payload, {
        handler: this.context.handler,
        logger: this.context.logger,
        link: this.id,
        onRequest: (request) => this.context.registry.identify(this.record, request.fields[41]),
      });
      this.queued--;
      if (answer === undefined || session === undefined || session.closed) return;
      // A response the terminal never ACKs is its problem to reverse; the ledger already holds the decision.
      await session.send(answer).catch((err: unknown) => this.onLinkError(err as EdcError));
    });
  }

  private onLinkError(error: EdcError): void {
    if (error.code !== 'EDC_ERR_FRAME_GARBAGE') this.record.frameErrors++;
    this.context.registry.fail(this.record, error);
    this.context.logger.warn({ link: this.id, code: error.code, reason: error.message }, 'serial link fault');
  }

  private lost(error: EdcError): void {
    this.session?.close();
    this.session = undefined;
    this.port = undefined;
    if (this.stopped) return;
    this.context.registry.fail(this.record, error);
    this.context.registry.setState(this.record, 'reconnecting');
    const delayMs = Math.max(
      50,
      backoffDelayMs(this.failures++, { baseMs: this.options.reopenBaseMs, capMs: this.options.reopenCapMs }),
    );
    this.context.logger.warn(
      { link: this.id, code: error.code, reason: error.message, retryInMs: delayMs },
      'serial port lost, reopening',
    );
    this.reopenTimer = setTimeout(() => this.open(), delayMs);
  }
}
