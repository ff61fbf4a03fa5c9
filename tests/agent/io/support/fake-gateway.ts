/**
 * The gateway's side of the HTTP contract for forwarder tests: it checks the four signed-request
 * headers (and, when skewMaxMs is set, their timestamp against its own clock, as the real
 * gateway does), stores uploads with chain continuity, and answers with gateway-signed receipts
 * and entitlement sets. Served as msw handlers (handlers()) or, for an agent in a child process,
 * by a real HTTP server on loopback (listen()). Tests override single routes, or set `refusal`,
 * to inject faults.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse } from 'msw';
import type { HttpHandler } from 'msw';
import { generateSigningKeyPair } from '../../../../protocol/crypto/index.ts';
import { ulidFactory } from '../../../../protocol/ids.ts';
import {
  UploadBatch,
  genesisHash,
  requestHeaders,
  signEntitlementSet,
  signReceipt,
  verifyRequestSignature,
} from '../../../../protocol/messages/index.ts';
import type {
  EntitlementSetBody,
  LedgerEntry,
  SignedEntitlementSet,
  SignedReceipt,
} from '../../../../protocol/messages/index.ts';

export const gatewayUrl = 'http://gateway.test';

export interface GatewayAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export class FakeGateway {
  readonly keys = generateSigningKeyPair();
  readonly stored: LedgerEntry[] = [];
  /** Every upload batch as parsed, in the order received. */
  readonly batches: UploadBatch[] = [];
  readonly requests: Array<{ method: string; path: string }> = [];
  private readonly ulid = ulidFactory();
  agentPublicKey = '';
  /** The gateway's clock: receipts, sets and the skew check use it. */
  now: () => number = Date.now;
  /** When set, a request whose signed timestamp is further than this from now() gets 401 AUTH_TIMESTAMP. */
  skewMaxMs: number | undefined;
  /** When set, every request gets this error (e.g. 403 EDC_ERR_AUTH_AGENT for a revoked agent). */
  refusal: { status: number; code: string } | undefined;
  /** Changes the body of every entitlement set issued (cards, limits). */
  setBody: (body: EntitlementSetBody) => EntitlementSetBody = (body) => body;

  constructor(readonly agentId: string) {}

  receipt(accepted = 0, duplicates = 0, overrides: Partial<SignedReceipt> = {}): SignedReceipt {
    const last = this.stored[this.stored.length - 1];
    const body = {
      v: 1 as const,
      receiptId: this.ulid(),
      agentId: this.agentId,
      ackSeq: last?.seq ?? 0,
      ackHash: last?.hash ?? genesisHash,
      accepted,
      duplicates,
      receivedAt: this.now(),
    };
    return { ...signReceipt(body, this.keys.seed), ...overrides };
  }

  entitlements(): SignedEntitlementSet {
    const body = this.setBody({
      v: 1,
      setId: this.ulid(),
      agentId: this.agentId,
      tahap: '2026-IV',
      issuedAt: this.now(),
      expiresAt: this.now() + 86_400_000,
      basedOnSeq: this.stored.length,
      lookupKey: 'A'.repeat(43) + '=',
      sealKey: 'B'.repeat(43) + '=',
      limits: { withdrawalAmountMax: 2_000_000, cashFloat: 50_000_000, queueEntriesMax: 10_000 },
      entitlements: [],
    });
    return signEntitlementSet(body, this.keys.seed);
  }

  /** Stores the batch as the contract says: duplicates acknowledged, forks and gaps refused. */
  store(batch: UploadBatch): GatewayAnswer {
    this.batches.push(batch);
    let accepted = 0;
    let duplicates = 0;
    for (const entry of batch.entries) {
      const held = this.stored[entry.seq - 1];
      if (held !== undefined) {
        if (held.id !== entry.id || held.hash !== entry.hash) {
          return {
            status: 409,
            body: {
              statusCode: 409,
              code: 'EDC_ERR_UPLOAD_FORK',
              message: `fork at ${entry.seq}`,
              details: { seq: entry.seq },
            },
          };
        }
        duplicates++;
        continue;
      }
      if (entry.seq !== this.stored.length + 1) {
        return {
          status: 409,
          body: {
            statusCode: 409,
            code: 'EDC_ERR_UPLOAD_GAP',
            message: 'gap',
            details: { headSeq: this.stored.length, foundSeq: entry.seq },
          },
        };
      }
      this.stored.push(entry);
      accepted++;
    }
    return { status: 200, body: this.receipt(accepted, duplicates) };
  }

  /** One request, whatever carries it: the routing both handlers() and listen() use. */
  answer(method: string, pathAndQuery: string, header: (name: string) => string, body: string): GatewayAnswer {
    const path = pathAndQuery.split('?')[0] ?? '';
    this.requests.push({ method, path });
    if (this.refusal !== undefined) return this.error(this.refusal.status, this.refusal.code);
    const timestamp = Number(header(requestHeaders.timestamp));
    if (this.skewMaxMs !== undefined && !(Math.abs(timestamp - this.now()) <= this.skewMaxMs))
      return { ...this.error(401, 'EDC_ERR_AUTH_TIMESTAMP'), headers: { date: new Date(this.now()).toUTCString() } };
    const signed =
      header(requestHeaders.agent) === this.agentId &&
      verifyRequestSignature(
        { method, path: pathAndQuery, timestamp, nonce: header(requestHeaders.nonce), body },
        header(requestHeaders.signature),
        this.agentPublicKey,
      );
    if (!signed) return this.error(401, 'EDC_ERR_AUTH_SIGNATURE');
    const base = `/v1/agents/${this.agentId}`;
    if (method === 'POST' && path === `${base}/uploads`) return this.store(UploadBatch.parse(JSON.parse(body)));
    if (method === 'GET' && path === `${base}/head`) return { status: 200, body: this.receipt() };
    if (method === 'GET' && path === `${base}/entitlements`) return { status: 200, body: this.entitlements() };
    return this.error(404, 'EDC_ERR_NOT_FOUND');
  }

  private error(status: number, code: string): GatewayAnswer {
    return { status, body: { statusCode: status, code, message: `${code} from the test gateway` } };
  }

  handlers(): HttpHandler[] {
    const respond = async ({ request }: { request: Request }) => {
      const url = new URL(request.url);
      const text = request.method === 'POST' ? await request.text() : '';
      const answer = this.answer(request.method, url.pathname + url.search, (h) => request.headers.get(h) ?? '', text);
      return HttpResponse.json(answer.body as object, { status: answer.status, headers: answer.headers });
    };
    const base = `${gatewayUrl}/v1/agents/${this.agentId}`;
    return [
      http.post(`${base}/uploads`, respond),
      http.get(`${base}/head`, respond),
      http.get(`${base}/entitlements`, respond),
    ];
  }

  /** A real HTTP server on 127.0.0.1 (a free port) for an agent in a child process. */
  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const header = (name: string): string => String(request.headers[name] ?? '');
        const answer = this.answer(request.method ?? '', request.url ?? '', header, Buffer.concat(chunks).toString());
        const text = JSON.stringify(answer.body);
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    };
  }
}
