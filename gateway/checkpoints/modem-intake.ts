/**
 * The gateway's own GSM modem (protocol/README.md "AT dialogue", receiving side): AT, ATE0,
 * AT+CMGF=0, AT+CNMI=2,1,0,0,0; then every stored message (indexes 1..storageSlots) and each
 * announced by +CMTI is read with AT+CMGR, taken by acceptCheckpoint, and deleted with AT+CMGD
 * once handled. A message that is no checkpoint (another coding, garbage, an unknown agent, a
 * bad signature) is logged and deleted. A store that cannot serve for now (503: a LevelDB store
 * latched after a failed write, a PostgreSQL connection lost) leaves it on the SIM and reports the
 * intake lost, so its supervisor starts it again after a backoff and the start-up sweep reads it
 * again; any other store failure leaves it on the SIM and stops the intake (fail-stop). Either way
 * nothing received is lost.
 */
import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import { isEdcError } from '../../protocol/errors.ts';
import { AtClient } from '../../protocol/sms/at-client.ts';
import { decodeDeliver } from '../../protocol/sms/pdu.ts';
import type { GatewayStore } from '../store/types.ts';
import { acceptCheckpoint, type AcceptedCheckpoint } from './accept.ts';

/** Message slots swept at start (the simulated modem's SIM storage). */
export const modemSlotsMax = 30;

export interface ModemIntakeOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly store: Pick<GatewayStore, 'getAgent' | 'putCheckpoint' | 'entries' | 'recordFork'>;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly commandTimeoutMs?: number;
  /** How often an idle intake checks the modem still answers (modemHeartbeatMs when absent). */
  readonly heartbeatMs?: number;
  /** Called once when the open port closes or fails after start (the modem went away). */
  readonly onLost?: (error: Error) => void;
  /** Called after each checkpoint is handled (tests, metrics). */
  readonly onCheckpoint?: (accepted: AcceptedCheckpoint) => void;
}

/** An idle intake's liveness check interval, milliseconds. */
export const modemHeartbeatMs = 5_000;

export class ModemIntake {
  private port: SerialPort | undefined;
  private client: AtClient | undefined;
  private readonly queue: number[] = [];
  private draining: Promise<void> | undefined;
  /** Setup done: before it, +CMTI indexes only queue (one AT command at a time). */
  private ready = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The heartbeat's AT while it waits for its answer: a drain waits for it (the AT client runs one command). */
  private probing: Promise<void> | undefined;
  /** Set when the store failed: the intake stops reading (messages stay on the SIM). */
  failure: Error | undefined;
  /** Reports the intake lost (once); set by start(). */
  private lose: ((error: Error) => void) | undefined;

  constructor(private readonly options: ModemIntakeOptions) {}

  async start(): Promise<void> {
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    await new Promise<void>((done, fail) => port.open((error) => (error === null ? done() : fail(error))));
    this.port = port;
    let lost = false;
    const lose = (error: Error) => {
      if (lost || this.stopping) return;
      lost = true;
      this.options.onLost?.(error);
    };
    this.lose = lose;
    port.on('close', () => lose(new Error(`the modem port ${this.options.path} closed`)));
    port.on('error', (error: Error) => lose(error));
    const client = new AtClient(
      (text) => void port.write(text),
      (index) => this.enqueue(index),
      this.options.commandTimeoutMs,
    );
    this.client = client;
    port.on('data', (chunk: Buffer) => client.input(chunk));
    for (const command of ['AT', 'ATE0', 'AT+CMGF=0', 'AT+CNMI=2,1,0,0,0']) {
      const result = await client.command(command);
      if (!result.ok)
        throw new Error(`Cannot set up the gateway modem ${this.options.path}: ${command} answered ${result.error}`);
    }
    this.ready = true;
    for (let index = 1; index <= modemSlotsMax; index += 1) this.enqueue(index);
    this.heartbeat = setInterval(() => this.probe(client, lose), this.options.heartbeatMs ?? modemHeartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * A link that drops is noticed only when it is used: while idle, an AT every heartbeat; no answer within the
   * command timeout (or a closed link) counts as lost. Skipped while a command is in flight.
   */
  private probe(client: AtClient, lose: (error: Error) => void): void {
    if (this.draining !== undefined || this.probing !== undefined || this.stopping) return;
    this.probing = client
      .command('AT')
      .then((result) => {
        if (!result.ok && (result.error === 'timeout' || result.error === 'closed'))
          lose(new Error(`the modem ${this.options.path} did not answer AT (${result.error})`));
      })
      .finally(() => (this.probing = undefined));
  }

  private enqueue(index: number): void {
    if (index < 1 || index > modemSlotsMax || this.queue.includes(index) || this.failure !== undefined) return;
    this.queue.push(index);
    if (this.ready) this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.failure === undefined && this.client !== undefined) {
      // A +CMTI that arrives while the heartbeat's AT is unanswered: the AT client would answer its CMGR 'busy'.
      await this.probing;
      await this.handle(this.client, this.queue.shift()!);
    }
  }

  private async handle(client: AtClient, index: number): Promise<void> {
    const { logger } = this.options;
    const read = await client.command(`AT+CMGR=${index}`);
    if (!read.ok) return; // 321: empty slot
    const pdu = read.lines.find((line) => /^[0-9A-Fa-f]+$/.test(line));
    try {
      const deliver = decodeDeliver(pdu ?? '');
      const accepted = await acceptCheckpoint(this.options.store, deliver.data, {
        source: 'modem',
        sender: deliver.from,
        receivedAt: (this.options.now ?? Date.now)(),
      });
      const level = accepted.chain === 'fork' ? 'error' : 'info';
      logger[level](
        { agentId: accepted.record.agentId, seq: accepted.record.seq, put: accepted.put, chain: accepted.chain },
        accepted.chain === 'fork' ? 'checkpoint contradicts the held chain (fork)' : 'checkpoint received',
      );
      this.options.onCheckpoint?.(accepted);
    } catch (error) {
      if (isEdcError(error) && error.code.startsWith('EDC_ERR_STORE') && error.statusCode === 503) {
        this.failure = error;
        logger.warn({ code: error.code, index }, 'checkpoint left on the SIM: the store cannot serve now');
        this.lose?.(new Error(`the store cannot serve now (${error.code}); the SMS in slot ${index} stays`));
        return;
      }
      if (!isEdcError(error) || error.code.startsWith('EDC_ERR_STORE')) {
        this.failure = error as Error;
        logger.error({ err: { message: (error as Error).message } }, 'checkpoint intake stopped: store failure');
        return;
      }
      logger.warn({ code: error.code, index }, 'SMS is not a checkpoint the gateway accepts; deleted');
    }
    await client.command(`AT+CMGD=${index}`);
  }

  private stopping = false;

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    this.queue.length = 0;
    await this.draining;
    this.client?.close();
    const port = this.port;
    if (port?.isOpen === true) await new Promise((done) => port.close(done));
  }
}
