/**
 * Refusals made before any route answer an ErrorBody too (fuzz findings router-error-uncoded and
 * content-length-mismatch): the router's over a real socket (a bad percent-escape, a path
 * parameter over 100 characters), node's HTTP parser's over a raw socket (both content-length and
 * transfer-encoding, headers too large), and a body whose size differs from content-length
 * (reachable through inject()) is a coded 400, not a 500.
 */
import { connect } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../../gateway/app.ts';
import { tempStore, testConfig, type TempStore } from './helpers.ts';

let temp: TempStore;
let gateway: Gateway;
let port: number;

beforeAll(async () => {
  temp = await tempStore();
  gateway = await buildGateway({
    store: temp.store,
    keys: temp.keys,
    config: testConfig({ rateAddressRequestsMax: 8 }),
    logger: pino({ level: 'silent' }),
  });
  const address = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
});

afterAll(async () => {
  await gateway.app.close();
  await temp.cleanup();
});

/** Writes raw bytes on a fresh connection; resolves with everything read until the server closes it. */
function raw(request: string): Promise<{ status: number; head: string; body: unknown; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: body === '' ? undefined : (JSON.parse(body) as unknown), closed: true });
    });
  });
}

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('refusals before any route are coded ErrorBodies', () => {
  it('a bad percent-escape: 400 EDC_ERR_BODY_INVALID (was FST_ERR_BAD_URL)', async () => {
    const { status, body } = await get('/v1/agents/%zz/head');
    expect(status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, code: 'EDC_ERR_BODY_INVALID', message: expect.any(String) });
  });

  it('a path parameter over 100 characters: 414 EDC_ERR_PATH_TOO_LONG (was FST_ERR_MAX_PARAM_LENGTH)', async () => {
    const { status, body } = await get(`/v1/agents/${'A'.repeat(101)}/head`);
    expect(status).toBe(414);
    expect(body).toEqual({
      statusCode: 414,
      code: 'EDC_ERR_PATH_TOO_LONG',
      message: 'Cannot route: expected path parameters of at most 100 characters',
      details: { paramCharsMax: 100 },
    });
  });

  it('content-length and transfer-encoding both, on a socket: 400 EDC_ERR_HTTP_MALFORMED, then closed', async () => {
    const answer = await raw(
      'POST /v1/agents/AGT-001/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n',
    );
    expect(answer.status).toBe(400);
    expect(answer.head).toMatch(/\r\nConnection: close/i);
    expect(answer.body).toMatchObject({ statusCode: 400, code: 'EDC_ERR_HTTP_MALFORMED' });
  });

  it('headers over 16 KiB: 431 EDC_ERR_HEADERS_TOO_LARGE', async () => {
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.body).toMatchObject({ statusCode: 431, code: 'EDC_ERR_HEADERS_TOO_LARGE' });
  });

  it('a body whose size differs from content-length (inject): 400 EDC_ERR_BODY_INVALID, not 500', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/agents/AGT-001/uploads',
      headers: { 'content-type': 'application/json', 'content-length': '5', 'transfer-encoding': 'chunked' },
      payload: '{"a":1}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'EDC_ERR_BODY_INVALID' });
  });

  it('the parser refusals are counted in edc_gateway_errors_total', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/edc_gateway_errors_total\{code="EDC_ERR_HTTP_MALFORMED"\} [1-9]/);
    expect(metrics).toMatch(/edc_gateway_errors_total\{code="EDC_ERR_PATH_TOO_LONG"\} [1-9]/);
  });

  it("router refusals spend the source address's budget like any unauthenticated request", async () => {
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await get('/v1/x/%zz')).status);
    expect(answers).toContain(429);
    expect(answers.filter((s) => s !== 400 && s !== 429)).toEqual([]);
  });
});
