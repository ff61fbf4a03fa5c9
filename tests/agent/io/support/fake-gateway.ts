/**
 * msw handlers that play the gateway's side of the HTTP contract for forwarder tests: they check
 * the four signed-request headers, store uploads with chain continuity, and answer with
 * gateway-signed receipts and entitlement sets. Tests override single routes to inject faults.
 */
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
import type { LedgerEntry, SignedEntitlementSet, SignedReceipt } from '../../../../protocol/messages/index.ts';

export const gatewayUrl = 'http://gateway.test';

export class FakeGateway {
  readonly keys = generateSigningKeyPair();
  readonly stored: LedgerEntry[] = [];
  readonly requests: Array<{ method: string; path: string }> = [];
  private readonly ulid = ulidFactory();
  agentPublicKey = '';

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
      receivedAt: Date.now(),
    };
    return { ...signReceipt(body, this.keys.seed), ...overrides };
  }

  entitlements(): SignedEntitlementSet {
    return signEntitlementSet(
      {
        v: 1,
        setId: this.ulid(),
        agentId: this.agentId,
        tahap: '2026-IV',
        issuedAt: Date.now(),
        expiresAt: Date.now() + 86_400_000,
        basedOnSeq: this.stored.length,
        lookupKey: 'A'.repeat(43) + '=',
        sealKey: 'B'.repeat(43) + '=',
        limits: { withdrawalAmountMax: 2_000_000, cashFloat: 50_000_000, queueEntriesMax: 10_000 },
        entitlements: [],
      },
      this.keys.seed,
    );
  }

  /** Stores the batch as the contract says: duplicates acknowledged, forks and gaps refused. */
  store(batch: UploadBatch): { status: number; body: unknown } {
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

  private checkSigned(request: Request, body: string): boolean {
    const url = new URL(request.url);
    const h = (name: string): string => request.headers.get(name) ?? '';
    this.requests.push({ method: request.method, path: url.pathname });
    return (
      h(requestHeaders.agent) === this.agentId &&
      verifyRequestSignature(
        {
          method: request.method,
          path: url.pathname + url.search,
          timestamp: Number(h(requestHeaders.timestamp)),
          nonce: h(requestHeaders.nonce),
          body,
        },
        h(requestHeaders.signature),
        this.agentPublicKey,
      )
    );
  }

  handlers(): HttpHandler[] {
    const base = `${gatewayUrl}/v1/agents/${this.agentId}`;
    const unauthorized = () =>
      HttpResponse.json({ statusCode: 401, code: 'EDC_ERR_AUTH_SIGNATURE', message: 'bad signature' }, { status: 401 });
    return [
      http.post(`${base}/uploads`, async ({ request }) => {
        const text = await request.text();
        if (!this.checkSigned(request, text)) return unauthorized();
        const result = this.store(UploadBatch.parse(JSON.parse(text)));
        return HttpResponse.json(result.body as object, { status: result.status });
      }),
      http.get(`${base}/head`, ({ request }) =>
        this.checkSigned(request, '') ? HttpResponse.json(this.receipt()) : unauthorized(),
      ),
      http.get(`${base}/entitlements`, ({ request }) =>
        this.checkSigned(request, '') ? HttpResponse.json(this.entitlements()) : unauthorized(),
      ),
    ];
  }
}
