import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createForwarder, forwarderDefaults, backoffDelayMs } from '../../../agent/forward/index.ts';
import type { ForwardLoop } from '../../../agent/forward/index.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { FakeCore } from './support/fake-core.ts';
import { FakeGateway, gatewayUrl } from './support/fake-gateway.ts';
import { statusReport } from '../../../agent/forward/forwarder.ts';
import type { LedgerEntry } from '../../../protocol/messages/index.ts';

const agentId = 'AGT-001';
const server = setupServer();
let gateway: FakeGateway;
let core: FakeCore;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
afterEach(() => server.resetHandlers());
beforeEach(() => {
  gateway = new FakeGateway(agentId);
  core = new FakeCore(agentId, gateway.keys.publicKey);
  gateway.agentPublicKey = core.keys.publicKey;
  server.use(...gateway.handlers());
});

function forwarder(overrides: Partial<typeof forwarderDefaults> = {}): ForwardLoop {
  return createForwarder({
    core,
    agentId,
    seed: core.keys.seed,
    logger: silentLogger(),
    settings: { ...forwarderDefaults, gatewayUrl, batchEntriesMax: 500, requestTimeoutMs: 2_000, ...overrides },
  });
}

const base = `${gatewayUrl}/v1/agents/${agentId}`;
const errorBody = (status: number, code: string) => ({ statusCode: status, code, message: `${code} from test` });

describe('forwarder pass', () => {
  it(
    'drains 1200 unacknowledged entries in order in batches of at most 500,' + ' then installs the entitlement set',
    async () => {
      for (let i = 0; i < 1200; i++) core.append();
      const outcome = await forwarder().syncNow();
      expect(outcome.ok).toBe(true);
      expect(gateway.stored.map((e) => e.seq)).toEqual(core.entries.map((e) => e.seq));
      expect(core.ackHead()).toEqual(core.head());
      const uploads = gateway.requests.filter((r) => r.method === 'POST');
      expect(uploads).toHaveLength(3);
      expect(core.installed).toHaveLength(1);
      expect(core.halt).toBeNull();
    },
  );

  it('reports its head and what stays queued after each batch (agentStatus), as the gateway parses it', async () => {
    for (let i = 0; i < 1200; i++) core.append();
    const head = core.head();
    expect((await forwarder().syncNow()).ok).toBe(true);
    expect(gateway.batches.map((b) => b.agentStatus)).toEqual([
      { head, queued: 700, oldestQueuedAt: core.entries[500]!.at },
      { head, queued: 200, oldestQueuedAt: core.entries[1000]!.at },
      { head, queued: 0 },
    ]);
  });

  it(
    'keeps the cursor and does not halt when the connection is refused,' + ' then resyncs from GET head first',
    async () => {
      core.append();
      server.use(http.post(`${base}/uploads`, () => HttpResponse.error()));
      const loop = forwarder();
      const failed = await loop.syncNow();
      expect(failed.ok).toBe(false);
      if (!failed.ok) expect([failed.error.code, failed.halted]).toEqual(['EDC_ERR_FORWARD_UNREACHABLE', false]);
      expect(core.ackHead().seq).toBe(0);
      server.resetHandlers(...gateway.handlers());
      gateway.requests.length = 0;
      expect((await loop.syncNow()).ok).toBe(true);
      expect(gateway.requests[0]).toEqual({ method: 'GET', path: `/v1/agents/${agentId}/head` });
      expect(core.ackHead().seq).toBe(1);
    },
  );

  it('backs off on 503 and honours Retry-After as a floor', async () => {
    core.append();
    server.use(
      http.post(`${base}/uploads`, () =>
        HttpResponse.json(errorBody(503, 'EDC_ERR_UNAVAILABLE'), { status: 503, headers: { 'retry-after': '7' } }),
      ),
    );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect([outcome.error.code, outcome.halted, outcome.retryAfterMs]).toEqual([
      'EDC_ERR_FORWARD_RETRYABLE',
      false,
      7000,
    ]);
    expect(backoffDelayMs(0, { baseMs: 500, capMs: 60_000, random: () => 0.99 }, outcome.retryAfterMs)).toBe(7000);
    expect(core.ackHead().seq).toBe(0);
    expect(core.halt).toBeNull();
  });

  it('treats 429 with Retry-After as retryable and moves nothing', async () => {
    core.append();
    server.use(
      http.post(`${base}/uploads`, () =>
        HttpResponse.json(errorBody(429, 'EDC_ERR_RATE_LIMITED'), { status: 429, headers: { 'retry-after': '3' } }),
      ),
    );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.retryAfterMs, outcome.halted]).toEqual([
      'EDC_ERR_FORWARD_RETRYABLE',
      3000,
      false,
    ]);
    expect(core.ackHead().seq).toBe(0);
  });

  it(
    'times out a slow upload the gateway did store,' +
      ' and the next pass advances the cursor from GET head without re-uploading',
    async () => {
      core.append();
      core.append();
      server.use(
        http.post(`${base}/uploads`, async ({ request }) => {
          gateway.store(JSON.parse(await request.text()));
          await delay('infinite');
          return HttpResponse.json({});
        }),
      );
      const loop = forwarder({ requestTimeoutMs: 150 });
      const outcome = await loop.syncNow();
      expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_FORWARD_TIMEOUT', false]);
      expect(core.ackHead().seq).toBe(0);
      server.resetHandlers(...gateway.handlers());
      gateway.requests.length = 0;
      expect((await loop.syncNow()).ok).toBe(true);
      expect(core.ackHead().seq).toBe(2);
      expect(gateway.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    },
  );

  it('halts loudly on a receipt whose signature does not verify, and the cursor stays', async () => {
    core.append();
    server.use(
      http.post(`${base}/uploads`, async ({ request }) => {
        gateway.store(JSON.parse(await request.text()));
        const good = gateway.receipt(1);
        const forged = { ...good, sig: good.sig.startsWith('A') ? 'B' + good.sig.slice(1) : 'A' + good.sig.slice(1) };
        return HttpResponse.json(forged);
      }),
    );
    const loop = forwarder();
    const outcome = await loop.syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_FORWARD_BAD_RECEIPT', true]);
    expect(core.ackHead().seq).toBe(0);
    expect(core.halt).toMatch(/^EDC_ERR_FORWARD_BAD_RECEIPT/);
    gateway.requests.length = 0;
    const again = await loop.syncNow();
    expect(again.ok ? null : again.error.code).toBe('EDC_ERR_FORWARD_HALTED');
    expect(gateway.requests).toHaveLength(0);
    expect(core.entries).toHaveLength(1);
  });

  it('halts on 409 fork and keeps every unacknowledged entry', async () => {
    core.append();
    server.use(
      http.post(`${base}/uploads`, () =>
        HttpResponse.json({ ...errorBody(409, 'EDC_ERR_UPLOAD_FORK'), details: { seq: 1 } }, { status: 409 }),
      ),
    );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_FORWARD_FORK', true]);
    expect(core.halt).toContain('EDC_ERR_UPLOAD_FORK');
    expect(await core.unacknowledged(10)).toHaveLength(1);
  });

  it('halts loudly when the ledger reports a corrupt entry, instead of retrying forever', async () => {
    core.append();
    const { coreErrors } = await import('../../../agent/core/errors.ts');
    core.unacknowledged = () =>
      Promise.reject(
        new coreErrors.ERR_LEDGER_CORRUPT('Cannot forward: entry 1 breaks the chain (hash)', { seq: 1, kind: 'hash' }),
      );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_LEDGER_CORRUPT', true]);
    expect(core.halt).toContain('EDC_ERR_LEDGER_CORRUPT');
  });

  it('halts on 409 gap', async () => {
    core.append();
    server.use(
      http.post(`${base}/uploads`, () => HttpResponse.json(errorBody(409, 'EDC_ERR_UPLOAD_GAP'), { status: 409 })),
    );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_FORWARD_GAP', true]);
  });

  it('halts on 401 and on 403', async () => {
    core.append();
    server.use(
      http.get(`${base}/head`, () => HttpResponse.json(errorBody(403, 'EDC_ERR_AUTH_AGENT'), { status: 403 })),
    );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_FORWARD_AUTH', true]);
    expect(core.halt).toContain('EDC_ERR_AUTH_AGENT');
  });

  it(
    'does not halt on 401 EDC_ERR_AUTH_TIMESTAMP (clock skew): it names the skew from the Date header,' +
      ' backs off, and resumes by itself once the clock is right',
    async () => {
      core.append();
      let skewed = true;
      const fastMs = 10 * 60_000;
      server.use(
        http.get(`${base}/head`, () =>
          skewed
            ? HttpResponse.json(errorBody(401, 'EDC_ERR_AUTH_TIMESTAMP'), {
                status: 401,
                headers: { date: new Date(Date.now() - fastMs).toUTCString() },
              })
            : HttpResponse.json(gateway.receipt()),
        ),
      );
      const loop = forwarder({ backoff: { baseMs: 10, capMs: 20 } });
      loop.start();
      await expect.poll(() => loop.snapshot().consecutiveFailures, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
      const snapshot = loop.snapshot();
      expect([snapshot.state === 'halted', snapshot.lastError?.code]).toEqual([false, 'EDC_ERR_FORWARD_CLOCK_SKEW']);
      expect(snapshot.lastError?.message).toMatch(/ahead of the gateway by about 10 min/);
      expect(core.halt).toBeNull();
      skewed = false;
      await expect.poll(() => core.ackHead().seq, { timeout: 5_000 }).toBe(1);
      expect(loop.snapshot().lastError).toBeNull();
      await loop.stop();
    },
  );

  it('clears a halt an earlier agent stored for clock skew, and forwards', async () => {
    core.append();
    core.halt = `EDC_ERR_FORWARD_AUTH: Gateway refused GET /v1/agents/${agentId}/head: 401 EDC_ERR_AUTH_TIMESTAMP: x`;
    expect((await forwarder().syncNow()).ok).toBe(true);
    expect([core.halt, core.ackHead().seq]).toEqual([null, 1]);
    core.halt = 'EDC_ERR_FORWARD_AUTH: Gateway refused GET /head: 403 EDC_ERR_AUTH_AGENT: revoked';
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : outcome.error.code).toBe('EDC_ERR_FORWARD_HALTED');
  });

  it('retries a 401 EDC_ERR_AUTH_REPLAY (a nonce seen before) instead of halting', async () => {
    core.append();
    server.use(
      http.get(`${base}/head`, () => HttpResponse.json(errorBody(401, 'EDC_ERR_AUTH_REPLAY'), { status: 401 }), {
        once: true,
      }),
    );
    const loop = forwarder();
    const first = await loop.syncNow();
    expect(first.ok ? null : [first.error.code, first.halted]).toEqual(['EDC_ERR_FORWARD_RETRYABLE', false]);
    expect((await loop.syncNow()).ok).toBe(true);
    expect(core.halt).toBeNull();
  });

  it('halts when GET head reports a head beyond the agent own ledger (fork alarm)', async () => {
    core.append();
    server.use(http.get(`${base}/head`, () => HttpResponse.json(gateway.receipt(0, 0, {}))));
    gateway.stored.push(core.append(), core.append());
    core.entries.length = 1;
    const outcome = await forwarder().syncNow();
    expect(outcome.ok ? null : [outcome.error.code, outcome.halted]).toEqual(['EDC_ERR_FORWARD_FORK', true]);
    expect(core.ackHead().seq).toBe(0);
  });

  it(
    'signs requests so that a gateway checking the signature accepts them,' + ' and a tampered seed is refused',
    async () => {
      core.append();
      const loop = createForwarder({
        core,
        agentId,
        seed: gateway.keys.seed,
        logger: silentLogger(),
        settings: { ...forwarderDefaults, gatewayUrl, batchEntriesMax: 500 },
      });
      const outcome = await loop.syncNow();
      expect(outcome.ok ? null : outcome.error.code).toBe('EDC_ERR_FORWARD_AUTH');
    },
  );

  it('joins a pass in flight instead of starting a second one', async () => {
    for (let i = 0; i < 3; i++) core.append();
    const loop = forwarder();
    const [a, b] = [loop.syncNow(), loop.syncNow()];
    expect(a).toBe(b);
    await a;
    expect(gateway.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('halves the batch on 413 until the gateway accepts it', async () => {
    for (let i = 0; i < 8; i++) core.append();
    let refused = 0;
    server.use(
      http.post(`${base}/uploads`, async ({ request }) => {
        const body = JSON.parse(await request.text());
        if (body.entries.length > 2) {
          refused++;
          return HttpResponse.json(errorBody(413, 'EDC_ERR_BODY_TOO_LARGE'), { status: 413 });
        }
        const result = gateway.store(body);
        return HttpResponse.json(result.body as object, { status: result.status });
      }),
    );
    const outcome = await forwarder().syncNow();
    expect(outcome.ok).toBe(true);
    expect(refused).toBe(2);
    expect(core.ackHead().seq).toBe(8);
  });
});

describe('forwarder pass, pipelined uploads (uploadsInFlightMax)', () => {
  it('keeps two uploads in flight, applies their receipts in order and stores every entry once', async () => {
    for (let i = 0; i < 2000; i++) core.append();
    let inFlight = 0;
    let inFlightMax = 0;
    server.use(
      http.post(`${base}/uploads`, async ({ request }) => {
        const body = JSON.parse(await request.text());
        inFlightMax = Math.max(inFlightMax, ++inFlight);
        await delay(40);
        inFlight -= 1;
        const result = gateway.store(body);
        return HttpResponse.json(result.body as object, { status: result.status });
      }),
    );
    const outcome = await forwarder({ uploadsInFlightMax: 2 }).syncNow();
    expect(outcome).toMatchObject({ ok: true, uploaded: 2000 });
    expect(inFlightMax).toBe(2);
    expect(gateway.stored.map((e) => e.seq)).toEqual(core.entries.map((e) => e.seq));
    expect(core.ackHead()).toEqual(core.head());
  });

  it('sends a pipelined upload refused as a gap once more, alone, and does not halt', async () => {
    for (let i = 0; i < 1000; i++) core.append();
    let gapsAnswered = 0;
    server.use(
      http.post(`${base}/uploads`, async ({ request }) => {
        const body = JSON.parse(await request.text());
        if (body.entries[0].seq === 501 && gapsAnswered === 0) {
          gapsAnswered += 1; // it overtook seq 1..500 on its way in
          return HttpResponse.json(errorBody(409, 'EDC_ERR_UPLOAD_GAP'), { status: 409 });
        }
        await delay(20);
        const result = gateway.store(body);
        return HttpResponse.json(result.body as object, { status: result.status });
      }),
    );
    const outcome = await forwarder({ uploadsInFlightMax: 2 }).syncNow();
    expect(outcome.ok).toBe(true);
    expect([gapsAnswered, core.halt, core.ackHead().seq]).toEqual([1, null, 1000]);
  });

  it('still halts on a gap answered to an upload sent alone', async () => {
    for (let i = 0; i < 10; i++) core.append();
    server.use(
      http.post(`${base}/uploads`, () => HttpResponse.json(errorBody(409, 'EDC_ERR_UPLOAD_GAP'), { status: 409 })),
    );
    const outcome = await forwarder({ uploadsInFlightMax: 2 }).syncNow();
    expect(outcome).toMatchObject({ ok: false, halted: true, error: { code: 'EDC_ERR_FORWARD_GAP' } });
    expect(core.ackHead().seq).toBe(0);
  });

  it('refuses uploadsInFlightMax outside 1..4 with EDC_ERR_FORWARD_OPTIONS', () => {
    for (const uploadsInFlightMax of [0, 5, 1.5])
      expect(() => forwarder({ uploadsInFlightMax })).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_FORWARD_OPTIONS' }),
      );
  });
});

describe('backoffDelayMs()', () => {
  it('stays within [0, min(cap, base * 2^n)) for full jitter', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(60_000, 500 * 2 ** attempt);
      expect(backoffDelayMs(attempt, { baseMs: 500, capMs: 60_000, random: () => 0.999999 })).toBeLessThan(ceiling);
      expect(backoffDelayMs(attempt, { baseMs: 500, capMs: 60_000, random: () => 0 })).toBe(0);
    }
  });
});

describe('statusReport', () => {
  const entry = (seq: number): LedgerEntry => ({ seq, hash: `h${seq}`, at: 1_000 + seq }) as unknown as LedgerEntry;
  it('reports the batch end as the head when the core has not yet moved its head past a durable round', () => {
    // Found by the soak: a batch read while a round was durable but not yet answered reported queued -1.
    expect(statusReport({ seq: 4, hash: 'h4' }, [entry(5), entry(6)], undefined)).toEqual({
      head: { seq: 6, hash: 'h6' },
      queued: 0,
    });
  });
  it('reports what stays queued and the oldest queued entry otherwise', () => {
    expect(statusReport({ seq: 9, hash: 'h9' }, [entry(5), entry(6)], entry(7))).toEqual({
      head: { seq: 9, hash: 'h9' },
      queued: 3,
      oldestQueuedAt: 1_007,
    });
  });
});
