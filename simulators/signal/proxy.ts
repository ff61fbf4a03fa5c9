/**
 * The signal simulator: an HTTP proxy between agents and the gateway that behaves like a village
 * cellular link. Blankspot windows reset every connection; otherwise each request independently
 * (seeded, so a run replays) may be dropped, answered 5xx by the middlebox, delayed, forwarded
 * twice, or have its response lost or truncated after the gateway acted on it. The last two are
 * the faults that test idempotency: the gateway stored the upload but the agent never heard so.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrng, mixSeed, tag, type Prng } from '../common/prng.ts';
import { parseSignalOptions, type SignalOptions, type SignalOptionsInput } from './options.ts';

export type SignalFault =
  'outage' | 'drop' | 'error5xx' | 'lostResponse' | 'duplicate' | 'truncate' | 'reorder' | 'tooLarge' | 'upstreamError';

export interface SignalStats {
  requests: number;
  forwarded: number;
  delivered: number;
  faults: Record<SignalFault, number>;
}

export interface SignalProxy {
  readonly url: string;
  readonly stats: SignalStats;
  /** Overrides the schedule: false = blankspot now, true = signal now, null = follow the schedule. */
  setOnline(online: boolean | null): void;
  isOnline(): boolean;
  /** Replaces the fault rates and latency from now on (the soak's seeded fault windows). */
  setFaults(faults: Pick<SignalOptionsInput, 'rates' | 'latencyMs' | 'reorderDelayMs'>): void;
  close(): Promise<void>;
}

interface Decision {
  readonly drop: boolean;
  readonly error5xx: boolean;
  readonly lostResponse: boolean;
  readonly duplicate: boolean;
  readonly truncate: boolean;
  readonly delayMs: number;
  /** undefined: not reordered; else the delay before the late copy is sent. */
  readonly reorderMs: number | undefined;
}

function decide(prng: Prng, reorderPrng: Prng, options: SignalOptions): Decision {
  // Every draw is taken on every request, so one request's fault never shifts another's.
  const { rates, latencyMs } = options;
  return {
    drop: prng.chance(rates.drop),
    error5xx: prng.chance(rates.error5xx),
    lostResponse: prng.chance(rates.lostResponse),
    duplicate: prng.chance(rates.duplicate),
    truncate: prng.chance(rates.truncate),
    delayMs: prng.int(latencyMs.min, latencyMs.max),
    reorderMs: reorderPrng.chance(rates.reorder)
      ? reorderPrng.int(options.reorderDelayMs.min, options.reorderDelayMs.max)
      : undefined,
  };
}

function emptyStats(): SignalStats {
  return {
    requests: 0,
    forwarded: 0,
    delivered: 0,
    faults: {
      outage: 0,
      drop: 0,
      error5xx: 0,
      lostResponse: 0,
      duplicate: 0,
      truncate: 0,
      reorder: 0,
      tooLarge: 0,
      upstreamError: 0,
    },
  };
}

/** What the request handlers share: the options, the counters, and the delay timers still pending. */
interface Relay {
  options: SignalOptions;
  readonly stats: SignalStats;
  readonly timers: Set<NodeJS.Timeout>;
}

/** Reads the request, then refuses it (too large), drops it, answers 5xx, or forwards it after the delay. */
function handle(relay: Relay, req: IncomingMessage, res: ServerResponse, decision: Decision): void {
  const { options, stats, timers } = relay;
  readBody(req, options.requestBodyBytesMax)
    .then((body) => {
      if (body === undefined) {
        stats.faults.tooLarge += 1;
        res
          .writeHead(413, { 'content-type': 'text/plain', connection: 'close' })
          .end('request body too large for the signal simulator');
        return;
      }
      if (decision.drop) {
        stats.faults.drop += 1;
        req.socket.destroy();
        return;
      }
      if (decision.error5xx) {
        stats.faults.error5xx += 1;
        const status = 502 + (decision.delayMs % 3);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`signal simulator: ${status}`);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        forward(relay, req, res, body, decision);
      }, decision.delayMs);
      timers.add(timer);
    })
    .catch(() => req.socket.destroy());
}

/** Sends the request to the gateway (twice if duplicated), then loses, truncates or delivers the answer. */
function forward(relay: Relay, req: IncomingMessage, res: ServerResponse, body: Buffer, decision: Decision): void {
  const { options, stats } = relay;
  const send = (onResponse: (status: number, headers: Record<string, string>, payload: Buffer) => void): void => {
    stats.forwarded += 1;
    upstream(options.target, req, body, onResponse, () => {
      stats.faults.upstreamError += 1;
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end('signal simulator: upstream unreachable');
    });
  };
  if (decision.reorderMs !== undefined) {
    stats.faults.reorder += 1;
    const timer = setTimeout(() => {
      relay.timers.delete(timer);
      stats.forwarded += 1;
      upstream(
        options.target,
        req,
        body,
        () => undefined,
        () => void (stats.faults.upstreamError += 1),
      );
    }, decision.reorderMs);
    relay.timers.add(timer);
  }
  send((status, headers, payload) => {
    if (decision.duplicate) {
      stats.faults.duplicate += 1;
      send(() => undefined);
    }
    if (decision.lostResponse) {
      stats.faults.lostResponse += 1;
      req.socket.destroy();
      return;
    }
    res.writeHead(status, headers);
    if (decision.truncate && payload.length > 1) {
      stats.faults.truncate += 1;
      res.write(payload.subarray(0, payload.length >> 1), () => req.socket.destroy());
      return;
    }
    stats.delivered += 1;
    res.end(payload);
  });
}

export async function startSignalProxy(input: SignalOptionsInput, now: () => number = Date.now): Promise<SignalProxy> {
  const options = parseSignalOptions(input);
  const prng = createPrng(options.seed);
  const reorderPrng = createPrng(mixSeed(options.seed, tag('reorder')));
  const startedAt = now();
  let override: boolean | null = null;
  const relay: Relay = { options, stats: emptyStats(), timers: new Set() };
  const { stats, timers } = relay;
  const isOnline = (): boolean => {
    if (override !== null) return override;
    const t = now() - startedAt;
    return !options.outages.some((w) => t >= w.fromMs && t < w.toMs);
  };
  const server = createServer((req, res) => {
    stats.requests += 1;
    if (!isOnline()) {
      stats.faults.outage += 1;
      req.socket.destroy();
      return;
    }
    handle(relay, req, res, decide(prng, reorderPrng, relay.options));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${address.port}`,
    stats,
    setOnline: (online) => {
      override = online;
    },
    isOnline,
    setFaults: (faults) => {
      relay.options = parseSignalOptions({ ...relay.options, ...faults });
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage, bytesMax: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > bytesMax) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

function upstream(
  target: string,
  req: IncomingMessage,
  body: Buffer,
  onResponse: (status: number, headers: Record<string, string>, payload: Buffer) => void,
  onError: () => void,
): void {
  const url = new URL(req.url ?? '/', target);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !hopByHop.has(name) && name !== 'host')
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['content-length'] = String(body.length);
  const outgoing = httpRequest(url, { method: req.method, headers }, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && !hopByHop.has(name)) out[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const payload = Buffer.concat(chunks);
      out['content-length'] = String(payload.length);
      onResponse(response.statusCode ?? 502, out, payload);
    });
    response.on('error', onError);
  });
  outgoing.on('error', onError);
  outgoing.end(body);
}
