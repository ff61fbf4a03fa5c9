/**
 * The TCP side of the monitor: a transparent proxy. The terminal connects to the monitor's
 * listen address instead of the agent's; for each connection the monitor connects to the agent
 * and relays every byte both ways unchanged (garbage and broken frames included: the agent must
 * see what the terminal sent), handing a copy of each chunk to the monitor. Half-closes are passed
 * on; when either side drops, the other is closed. At most connectionsMax connections at once;
 * more are refused (closed at once, with a line on stderr), as the agent refuses above its own
 * terminalsMax.
 */
import net from 'node:net';
import { ERR_SIM_MONITOR_SOURCE } from '../errors.ts';
import type { LineSink } from './sink.ts';

export interface TcpProxyOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly target: { readonly host: string; readonly port: number };
  readonly connectionsMax: number;
}

export interface TcpProxy {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

function relay(
  from: net.Socket,
  to: net.Socket,
  side: 'terminal>agent' | 'agent>terminal',
  conn: number,
  sink: LineSink,
): void {
  from.on('data', (chunk: Buffer) => {
    sink.bytes(side, conn, chunk);
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

function proxyConnection(terminal: net.Socket, options: TcpProxyOptions, conn: number, sink: LineSink): Promise<void> {
  const peer = `${terminal.remoteAddress ?? '?'}:${terminal.remotePort ?? '?'}`;
  sink.open(conn, `terminal ${peer}`);
  terminal.pause();
  const agent = net.connect(options.target);
  let reason = 'closed';
  const note = (text: string) => () => void (reason === 'closed' && (reason = text));
  terminal.on('error', (error) => void (reason = `terminal: ${error.message}`));
  agent.on('error', (error) => void (reason = `agent ${options.target.host}:${options.target.port}: ${error.message}`));
  terminal.on('end', note('closed by the terminal'));
  agent.on('end', note('closed by the agent'));
  agent.once('connect', () => terminal.resume());
  relay(terminal, agent, 'terminal>agent', conn, sink);
  relay(agent, terminal, 'agent>terminal', conn, sink);
  const closed = (socket: net.Socket) => new Promise<void>((done) => socket.once('close', () => done()));
  terminal.once('close', () => agent.destroy());
  agent.once('close', () => terminal.destroy());
  return Promise.all([closed(terminal), closed(agent)]).then(() => sink.close(conn, reason));
}

export async function startTcpProxy(options: TcpProxyOptions, sink: LineSink): Promise<TcpProxy> {
  const open = new Map<net.Socket, Promise<void>>();
  let conn = 0;
  const server = net.createServer((terminal) => {
    if (open.size >= options.connectionsMax) {
      sink.warn(`monitor: refused a connection: ${options.connectionsMax} (connectionsMax) are open`);
      terminal.destroy();
      return;
    }
    const done = proxyConnection(terminal, options, ++conn, sink).finally(() => open.delete(terminal));
    open.set(terminal, done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new ERR_SIM_MONITOR_SOURCE(
          `Cannot listen on ${options.listen.host}:${options.listen.port}: ${error.message}`,
          { ...options.listen },
          error,
        ),
      ),
    );
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    address: { host: address.address, port: address.port },
    /** Stops listening, drops every connection and resolves once each one's close was reported. */
    async close() {
      const stopped = new Promise<void>((done) => server.close(() => done()));
      const pending = [...open.values()];
      for (const socket of open.keys()) socket.destroy();
      await Promise.all([stopped, ...pending]);
    },
  };
}
