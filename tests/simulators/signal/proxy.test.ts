import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrng } from '../../../simulators/common/prng.ts';
import { startSignalProxy, type SignalProxy } from '../../../simulators/signal/proxy.ts';

/** A stand-in upstream that records every request body it receives. */
let target: Server;
let targetUrl: string;
const received: string[] = [];

beforeAll(async () => {
  target = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString());
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, echo: 'x'.repeat(2000) }));
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});
afterAll(async () => {
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});

async function post(proxy: SignalProxy, body: string): Promise<{ status: number; text: string } | 'failed'> {
  try {
    const res = await fetch(`${proxy.url}/v1/x`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    return { status: res.status, text: await res.text() };
  } catch {
    return 'failed';
  }
}

async function withProxy(
  options: Parameters<typeof startSignalProxy>[0],
  fn: (proxy: SignalProxy) => Promise<void>,
  now?: () => number,
): Promise<void> {
  const proxy = await startSignalProxy(options, now);
  try {
    await fn(proxy);
  } finally {
    await proxy.close();
  }
}

describe('signal proxy', () => {
  it('forwards requests and responses unchanged when there is signal and no fault', async () => {
    await withProxy({ target: targetUrl }, async (proxy) => {
      received.length = 0;
      const res = await post(proxy, '{"n":1}');
      expect(res).toMatchObject({ status: 200 });
      expect(received).toEqual(['{"n":1}']);
      expect(proxy.stats).toMatchObject({ requests: 1, forwarded: 1, delivered: 1 });
    });
  });

  it('resets every connection inside a blankspot window and forwards again after it', async () => {
    let clock = 1_000_000;
    await withProxy(
      { target: targetUrl, outages: [{ fromMs: 100, toMs: 200 }] },
      async (proxy) => {
        received.length = 0;
        clock += 150;
        expect(await post(proxy, 'during')).toBe('failed');
        clock += 100;
        expect(await post(proxy, 'after')).toMatchObject({ status: 200 });
        expect(received).toEqual(['after']);
        expect(proxy.stats.faults.outage).toBe(1);
      },
      () => clock,
    );
  });

  it('setOnline(false) overrides the schedule until setOnline(null)', async () => {
    await withProxy({ target: targetUrl }, async (proxy) => {
      proxy.setOnline(false);
      expect(await post(proxy, 'a')).toBe('failed');
      proxy.setOnline(null);
      expect(await post(proxy, 'b')).toMatchObject({ status: 200 });
    });
  });

  it('a lost response reaches the gateway but not the client (the ambiguous case)', async () => {
    await withProxy({ target: targetUrl, rates: { lostResponse: 1 } }, async (proxy) => {
      received.length = 0;
      expect(await post(proxy, 'stored-but-unheard')).toBe('failed');
      expect(received).toEqual(['stored-but-unheard']);
    });
  });

  it('a dropped request never reaches the gateway; a 5xx comes from the middlebox', async () => {
    await withProxy({ target: targetUrl, rates: { drop: 1 } }, async (proxy) => {
      received.length = 0;
      expect(await post(proxy, 'lost')).toBe('failed');
      expect(received).toEqual([]);
    });
    await withProxy({ target: targetUrl, rates: { error5xx: 1 } }, async (proxy) => {
      received.length = 0;
      const res = await post(proxy, 'x');
      expect(res !== 'failed' && res.status >= 502 && res.status <= 504).toBe(true);
      expect(received).toEqual([]);
    });
  });

  it('a duplicated request reaches the gateway twice; a truncated response fails to read', async () => {
    await withProxy({ target: targetUrl, rates: { duplicate: 1 } }, async (proxy) => {
      received.length = 0;
      expect(await post(proxy, 'twice')).toMatchObject({ status: 200 });
      await expect.poll(() => received.length).toBe(2);
      expect(received).toEqual(['twice', 'twice']);
    });
    await withProxy({ target: targetUrl, rates: { truncate: 1 } }, async (proxy) => {
      expect(await post(proxy, 'cut')).toBe('failed');
      expect(proxy.stats.faults.truncate).toBe(1);
    });
  });

  it('a reordered request reaches the gateway again later, after requests sent since', async () => {
    await withProxy(
      { target: targetUrl, rates: { reorder: 1 }, reorderDelayMs: { min: 300, max: 300 } },
      async (proxy) => {
        received.length = 0;
        expect(await post(proxy, 'old')).toMatchObject({ status: 200 });
        proxy.setFaults({ rates: { reorder: 0 } });
        expect(await post(proxy, 'new')).toMatchObject({ status: 200 });
        await expect.poll(() => received.length).toBe(3);
        expect(received).toEqual(['old', 'new', 'old']);
        expect(proxy.stats.faults.reorder).toBe(1);
      },
    );
  });

  it('setFaults() changes the rates and latency from the next request on', async () => {
    await withProxy({ target: targetUrl }, async (proxy) => {
      expect(await post(proxy, 'through')).toMatchObject({ status: 200 });
      proxy.setFaults({ rates: { drop: 1 } });
      expect(await post(proxy, 'lost')).toBe('failed');
      proxy.setFaults({ rates: { drop: 0 }, latencyMs: { min: 0, max: 0 } });
      expect(await post(proxy, 'through again')).toMatchObject({ status: 200 });
      expect(() => proxy.setFaults({ rates: { drop: 2 } })).toThrow(/EDC_ERR_SIM_CONFIG|rates/);
    });
  });

  it('refuses invalid options with EDC_ERR_SIM_CONFIG naming the field', async () => {
    await expect(startSignalProxy({ target: 'ftp://x', rates: { drop: 2 } })).rejects.toMatchObject({
      code: 'EDC_ERR_SIM_CONFIG',
    });
    await expect(startSignalProxy({ target: targetUrl, outages: [{ fromMs: 5, toMs: 5 }] })).rejects.toMatchObject({
      code: 'EDC_ERR_SIM_CONFIG',
      message: expect.stringContaining('outages.0'),
    });
  });

  it('makes the same fault decisions for the same seed', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const outcomes: string[] = [];
      await withProxy({ target: targetUrl, seed, rates: { drop: 0.3, error5xx: 0.3 } }, async (proxy) => {
        for (let i = 0; i < 20; i++) {
          const res = await post(proxy, String(i));
          outcomes.push(res === 'failed' ? 'failed' : String(res.status));
        }
      });
      return outcomes;
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });
});

describe('createPrng()', () => {
  it('replays the same stream for the same seed and differs across seeds', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('int() stays in range and covers it', () => {
    const prng = createPrng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = prng.int(3, 9);
      expect(v >= 3 && v <= 9).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });
});
