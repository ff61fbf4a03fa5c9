/**
 * The local status endpoint (node:http, 127.0.0.1 only, JSON):
 *   GET  /v1/status  -> StatusReport
 *   POST /v1/sync    -> the outcome of one forwarding pass (joins a pass in flight)
 *   GET  /healthz    -> {"ok":true}
 *   GET  /           -> the status page (web/agent), which reads /v1/status itself
 * Bound to loopback because it has no authentication: it is for the agent's own screen and
 * the `edc-agent` CLI on the same machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { PassOutcome } from '../forward/forwarder.ts';
import { assetOf, pageAssets, pageSecurityHeaders } from '../../web/bundle.ts';

import { ERR_STATUS_NOT_FOUND, ERR_STATUS_FAILED, ERR_STATUS_LISTEN } from './errors.ts';
import type { StatusReport } from './report.ts';

export interface StatusSources {
  report(): Promise<StatusReport>;
  sync(): Promise<PassOutcome>;
}

export const statusHost = '127.0.0.1';

export class StatusServer {
  private readonly server: http.Server;

  constructor(
    private readonly sources: StatusSources,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer((request, response) => void this.route(request, response));
    this.server.requestTimeout = 30_000;
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new ERR_STATUS_LISTEN(
            `Tidak bisa membuka port status / Cannot listen for status on ${statusHost}:${port}: ${err.message}`,
            { port },
            err,
          ),
        );
      this.server.once('error', onError);
      this.server.listen(port, statusHost, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    try {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method === 'GET' && path === '/v1/status') return send(response, 200, await this.sources.report());
      if (request.method === 'POST' && path === '/v1/sync')
        return send(response, 200, outcomeJson(await this.sources.sync()));
      if (request.method === 'GET' && path === '/healthz') return send(response, 200, { ok: true });
      if (request.method === 'GET' && (await sendPage(response, path ?? ''))) return;
      const error = new ERR_STATUS_NOT_FOUND(`No route ${request.method ?? '?'} ${path ?? ''}`);
      send(response, 404, { statusCode: 404, code: error.code, message: error.message });
    } catch (err) {
      this.logger.error({ err }, 'status request failed');
      const error = new ERR_STATUS_FAILED(`Status request failed: ${err instanceof Error ? err.message : String(err)}`);
      send(response, 500, { statusCode: 500, code: error.code, message: error.message });
    }
  }
}

export function outcomeJson(outcome: PassOutcome): Record<string, unknown> {
  if (outcome.ok) return { ...outcome };
  return {
    ok: false,
    halted: outcome.halted,
    retryAfterMs: outcome.retryAfterMs ?? null,
    error: { code: outcome.error.code, message: outcome.error.message },
  };
}

/** The status page and its two assets; false when `path` is none of them. */
async function sendPage(response: http.ServerResponse, path: string): Promise<boolean> {
  const assets = await pageAssets('agent', '/');
  const asset = assetOf(path, '/', assets.version);
  if (asset === undefined) return false;
  const body = asset === 'html' ? assets.html : asset === 'js' ? assets.js : assets.css;
  const type = { html: 'text/html', js: 'text/javascript', css: 'text/css' }[asset];
  response.writeHead(200, {
    ...pageSecurityHeaders,
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    'cache-control': asset === 'html' ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  response.end(body);
  return true;
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
