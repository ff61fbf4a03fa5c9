/**
 * A TCP proxy between a PostgreSQL client (a gateway replica) and the real server, for injecting
 * connection faults at exact points of the wire protocol (v3): it reads the client's messages to
 * know each transaction's statements and its COMMIT, and can
 *  - refuse new connections for a while (the server "down": each is closed at once),
 *  - cut every connection now,
 *  - cut the connection at a chosen transaction's COMMIT, either before forwarding it (the server
 *    never sees it: rolled back) or after the server answered it (committed, the answer lost: the
 *    ambiguous commit),
 *  - cut the connection right after forwarding a chosen statement (mid-statement, e.g. in a COPY).
 * Nothing is faked beyond the cut: the bytes that pass are the client's and the server's own.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type CommitCut = 'before-send' | 'after-answer';

export interface CommitCutArm {
  readonly mode: CommitCut;
  /** Which transaction to cut: given the statements (SQL text) it ran since BEGIN. */
  readonly when: (statements: readonly string[]) => boolean;
}

export interface CommitCutResult {
  readonly mode: CommitCut;
  /** The server's answer to the COMMIT, when it was forwarded (CommandComplete tag, e.g. "COMMIT" or "ROLLBACK"). */
  readonly serverSaid: string | undefined;
  readonly statements: readonly string[];
}

const sslRequestCode = 80877103;
const cancelRequestCode = 80877102;

/** Splits a byte stream into protocol messages; the first one may be untyped (startup). */
class Framer {
  #buf: Buffer = Buffer.alloc(0);
  constructor(private untypedFirst: boolean) {}

  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const head = this.untypedFirst ? 0 : 1;
      if (this.#buf.length < head + 4) break;
      const total = head + this.#buf.readInt32BE(head);
      if (this.#buf.length < total) break;
      const message = this.#buf.subarray(0, total);
      this.#buf = this.#buf.subarray(total);
      if (this.untypedFirst) {
        const code = message.length >= 8 ? message.readInt32BE(4) : 0;
        // An SSL or cancel request is followed by another untyped message (or nothing).
        this.untypedFirst = code === sslRequestCode;
        if (code === cancelRequestCode) this.untypedFirst = false;
      }
      out.push(Buffer.from(message));
    }
    return out;
  }
}

/** The SQL text of a simple Query ('Q') or a Parse ('P') message, else undefined. */
function sqlOf(message: Buffer): string | undefined {
  const type = String.fromCharCode(message[0]!);
  if (type === 'Q') return message.subarray(5, message.indexOf(0, 5)).toString('utf8');
  if (type === 'P') {
    const nameEnd = message.indexOf(0, 5);
    return message.subarray(nameEnd + 1, message.indexOf(0, nameEnd + 1)).toString('utf8');
  }
  return undefined;
}

export class PgFaultProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #refusing = false;
  #arm: { arm: CommitCutArm; resolve: (r: CommitCutResult) => void } | undefined;
  #statementArm: { when: (sql: string) => boolean; resolve: (sql: string) => void } | undefined;
  /** Connections accepted and refused (closed at once) since the start. */
  readonly counts = { accepted: 0, refused: 0, cut: 0 };

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: Server,
  ) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<PgFaultProxy> {
    const holder: { proxy?: PgFaultProxy } = {};
    const server = createServer((client) => holder.proxy!.#accept(client));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    holder.proxy = new PgFaultProxy(target, port, server);
    return holder.proxy;
  }

  /** While true, each new connection is closed as soon as it is accepted. */
  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /** Destroys every open connection (both sides) now. */
  cutAll(): number {
    const n = this.#pairs.size;
    for (const pair of this.#pairs) this.#cut(pair);
    return n;
  }

  /** The next COMMIT of a transaction `arm.when` picks is cut as `arm.mode` says; resolves once it was. */
  armCommitCut(arm: CommitCutArm): Promise<CommitCutResult> {
    return new Promise((resolve) => (this.#arm = { arm, resolve }));
  }

  /** The connection that sends the next statement `when` picks is cut right after forwarding it. */
  armStatementCut(when: (sql: string) => boolean): Promise<string> {
    return new Promise((resolve) => (this.#statementArm = { when, resolve }));
  }

  /** Forgets an armed COMMIT cut that has not happened (its promise stays pending). */
  disarm(): void {
    this.#arm = undefined;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #cut(pair: { client: Socket; upstream: Socket }): void {
    if (!this.#pairs.delete(pair)) return;
    this.counts.cut += 1;
    pair.client.destroy();
    pair.upstream.destroy();
  }

  #accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.#refusing) {
      this.counts.refused += 1;
      client.destroy();
      return;
    }
    this.counts.accepted += 1;
    const upstream = connect(this.target.port, this.target.host);
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    for (const s of [client, upstream]) s.on('close', () => this.#cut(pair));
    const fromClient = new Framer(true);
    const fromServer = new Framer(false);
    let statements: string[] = [];
    let swallowing: { resolve: (r: CommitCutResult) => void; statements: string[] } | undefined;
    let commitTag: string | undefined;
    client.on('data', (chunk: Buffer) => {
      for (const message of fromClient.push(chunk)) {
        const sql = sqlOf(message);
        if (sql !== undefined && /^\s*BEGIN\b/i.test(sql)) statements = [];
        const armed = this.#arm;
        if (sql !== undefined && /^\s*COMMIT\s*$/i.test(sql) && armed !== undefined && armed.arm.when(statements)) {
          this.#arm = undefined;
          if (armed.arm.mode === 'before-send') {
            this.#cut(pair);
            armed.resolve({ mode: 'before-send', serverSaid: undefined, statements });
            return;
          }
          swallowing = { resolve: armed.resolve, statements };
        } else if (sql !== undefined) statements.push(sql);
        upstream.write(message);
        const statementArm = this.#statementArm;
        if (sql !== undefined && statementArm !== undefined && statementArm.when(sql)) {
          this.#statementArm = undefined;
          // Let the server read the statement, then the connection is gone mid-way through it.
          upstream.once('data', () => this.#cut(pair));
          statementArm.resolve(sql);
          return;
        }
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const message of fromServer.push(chunk)) {
        if (swallowing === undefined) {
          client.write(message);
          continue;
        }
        const type = String.fromCharCode(message[0]!);
        if (type === 'C') commitTag = message.subarray(5, message.indexOf(0, 5)).toString('utf8');
        if (type === 'Z') {
          // The server answered the COMMIT; the client never hears it.
          this.#cut(pair);
          swallowing.resolve({ mode: 'after-answer', serverSaid: commitTag, statements: swallowing.statements });
          return;
        }
      }
    });
  }
}
