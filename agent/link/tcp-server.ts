/**
 * TCP terminal listener: each connection is one terminal speaking 2-byte length-prefixed ISO 8583.
 * Requests of one connection are answered strictly in arrival order (a queue of at most
 * requestsQueuedMax); connections run concurrently, and the core groups their ledger writes.
 * A framing error closes the connection (TCP framing cannot resynchronise), an idle connection
 * is closed after idleTimeoutMs, and more than terminalsMax connections are refused.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { TcpFrameDecoder } from '../../protocol/link/tcp-decoder.ts';
import type { TcpDecodeEvent } from '../../protocol/link/tcp-decoder.ts';
import { encodeTcpFrame } from '../../protocol/link/tcp-frame.ts';
import { answerPayload } from './answer.ts';
import type { RequestHandler } from './answer.ts';
import { ERR_TERMINALS_MAX, ERR_TCP_LISTEN, ERR_LINK_CONFIG, ERR_LINK_IDLE, ERR_LINK_BACKLOG } from './errors.ts';
import type { LinkRecord, LinkRegistry } from './registry.ts';

export interface TcpLinkOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly terminalsMax: number;
  readonly idleTimeoutMs: number;
  readonly requestsQueuedMax: number;
  readonly payloadBytesMax?: number;
  readonly interByteTimeoutMs?: number;
}

export interface TcpLinkContext {
  readonly handler: RequestHandler;
  readonly logger: Logger;
  readonly registry: LinkRegistry;
}

export const tcpLinkDefaults = Object.freeze({ terminalsMax: 64, idleTimeoutMs: 5 * 60_000, requestsQueuedMax: 8 });

/** How long a shutdown waits for a terminal to close its side after the agent ended its own. */
const endGraceMs = 2_000;

export class TcpTerminalServer {
  private readonly server: net.Server;
  private readonly connections = new Set<TcpConnection>();
  private listener: LinkRecord | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly options: TcpLinkOptions,
    private readonly context: TcpLinkContext,
  ) {
    checkTcpOptions(options);
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.maxConnections = options.terminalsMax;
    this.server.on('drop', (data) => {
      const error = new ERR_TERMINALS_MAX(
        `Refused terminal ${data?.remoteAddress ?? '?'}:${data?.remotePort ?? 0}: ` +
          `terminalsMax ${options.terminalsMax} connections are open`,
      );
      context.logger.warn({ code: error.code, reason: error.message }, 'terminal connection refused');
    });
  }

  /** Binds and resolves with the bound address; rejects with EDC_ERR_TCP_LISTEN. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(
          new ERR_TCP_LISTEN(
            `Cannot listen for terminals on ${this.options.host}:${this.options.port}: ${err.message}`,
            { host: this.options.host, port: this.options.port },
            err,
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.context.logger.error({ err }, 'tcp listener error'));
        const address = this.server.address() as net.AddressInfo;
        this.listener = this.context.registry.open(
          `tcp-listener:${address.address}:${address.port}`,
          'tcp-listener',
          'listening',
        );
        this.context.logger.info({ host: address.address, port: address.port }, 'listening for terminals over TCP');
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /**
   * Shutdown, in the order that keeps every written approval answered: stop accepting
   * connections and stop reading every connection (a frame not yet read is never decided, so
   * its terminal times out and reverses nothing), answer every request already read, then end
   * the connections.
   */
  async close(): Promise<void> {
    this.stopReading();
    await Promise.all([...this.connections].map((connection) => connection.end()));
    await this.closed;
    if (this.listener !== undefined) this.context.registry.setState(this.listener, 'closed');
  }

  /** The first step of close(), on its own so an agent can stop every link reading at once. */
  stopReading(): void {
    this.closed ??= new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.stopReading();
  }

  private accept(socket: net.Socket): void {
    if (this.closed !== undefined) return void socket.destroy();
    const id = `tcp:${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const connection = new TcpConnection(socket, id, this.options, this.context);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }
}

function checkTcpOptions(options: TcpLinkOptions): void {
  const checks: Array<[string, number, number, number]> = [
    ['port', options.port, 0, 65535],
    ['terminalsMax', options.terminalsMax, 1, 1024],
    ['idleTimeoutMs', options.idleTimeoutMs, 1, 86_400_000],
    ['requestsQueuedMax', options.requestsQueuedMax, 1, 256],
  ];
  for (const [name, value, min, max] of checks) {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ERR_LINK_CONFIG(
        `Cannot configure TCP terminals: ${name} must be an integer in [${min}, ${max}], found ${String(value)}`,
        { option: name, value },
      );
    }
  }
}

class TcpConnection {
  private readonly decoder: TcpFrameDecoder;
  private readonly record: LinkRecord;
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();
  private deadline: NodeJS.Timeout | undefined;
  private reading = true;

  constructor(
    private readonly socket: net.Socket,
    private readonly id: string,
    private readonly options: TcpLinkOptions,
    private readonly context: TcpLinkContext,
  ) {
    this.decoder = new TcpFrameDecoder({
      payloadBytesMax: options.payloadBytesMax,
      interByteTimeoutMs: options.interByteTimeoutMs,
    });
    this.record = context.registry.open(id, 'tcp', 'connected');
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () =>
      this.drop(
        new ERR_LINK_IDLE(`Terminal ${id} sent nothing for ${options.idleTimeoutMs} ms`, {
          idleTimeoutMs: options.idleTimeoutMs,
        }),
      ),
    );
    socket.on('error', (err) => this.context.logger.warn({ link: id, err }, 'terminal connection error'));
    socket.on('close', () => this.onClose());
    context.logger.info({ link: id }, 'terminal connected');
  }

  /** No frame after this one is read: what arrives now is left unread, and never decided. */
  stopReading(): void {
    this.reading = false;
    this.socket.pause();
    if (this.deadline !== undefined) clearTimeout(this.deadline);
  }

  /** Graceful end: wait for the answers of every request read, then half-close. */
  async end(): Promise<void> {
    this.stopReading();
    await this.chain;
    if (this.socket.destroyed) return;
    const gone = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.end();
    // A terminal that never closes its side must not hold the agent's shutdown.
    const timer = setTimeout(() => this.socket.destroy(), endGraceMs);
    await gone;
    clearTimeout(timer);
  }

  private onData(chunk: Buffer): void {
    if (!this.reading) return;
    this.context.registry.touch(this.record);
    this.handle(this.decoder.push(chunk));
    this.armDeadline();
  }

  private handle(events: readonly TcpDecodeEvent[]): void {
    for (const event of events) {
      if (this.socket.destroyed || !this.reading) return;
      if (event.type === 'error') {
        this.record.frameErrors++;
        this.drop(event.error);
        return;
      }
      if (this.queued >= this.options.requestsQueuedMax) {
        this.drop(
          new ERR_LINK_BACKLOG(
            `Terminal ${this.id} has ${this.queued} requests unanswered, ` +
              `requestsQueuedMax is ${this.options.requestsQueuedMax}`,
            { queued: this.queued },
          ),
        );
        return;
      }
      this.enqueue(event.payload);
    }
  }

  private enqueue(payload: Uint8Array): void {
    this.queued++;
    this.record.requests++;
    this.chain = this.chain.then(async () => {
      const answer = await answerPayload(payload, {
        handler: this.context.handler,
        logger: this.context.logger,
        link: this.id,
        onRequest: (request) => this.context.registry.identify(this.record, request.fields[41]),
      });
      this.queued--;
      if (answer !== undefined && !this.socket.destroyed && this.socket.writable)
        this.socket.write(encodeTcpFrame(answer, { payloadBytesMax: 0xffff }));
    });
  }

  /** A partial frame must expire even if the peer never sends again. */
  private armDeadline(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    const at = this.decoder.nextDeadlineMs();
    if (at === undefined) return;
    this.deadline = setTimeout(
      () => {
        this.deadline = undefined;
        this.handle(this.decoder.poll());
      },
      Math.max(0, at - performance.now()) + 1,
    );
  }

  private drop(error: { code: string; message: string }): void {
    this.context.registry.fail(this.record, error);
    this.context.logger.warn({ link: this.id, code: error.code, reason: error.message }, 'closing terminal connection');
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.context.registry.setState(this.record, 'closed');
    this.context.logger.info({ link: this.id }, 'terminal disconnected');
  }
}
