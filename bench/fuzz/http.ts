/**
 * Fuzz target for the gateway's HTTP API: adversarial requests (http-requests.ts) through
 * inject() against a gateway on a real LevelDB store (http-setup.ts). Checked for every request:
 * the answer is a 4xx (never 2xx, 3xx or 5xx), its body is the contract's ErrorBody with an
 * EDC_ERR_ code and the same status, and no stack trace leaks; after every request the heads and
 * the tahap's counters are unchanged, and every 1 000 requests and at the end the whole observable
 * state (agents, chains, evidence, counters, settlements, exceptions, files) is as before.
 */
import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair } from '../../protocol/crypto/index.ts';
import { signRequest } from '../../protocol/messages/index.ts';
import { fuzz, FuzzViolation, type FuzzFigures, type FuzzRunOptions } from './harness.ts';
import { adversarialRequests, type RequestSpec } from './http-requests.ts';
import { glance, observe, signedInject, startFuzzGateway, type FuzzGateway } from './http-setup.ts';

const fullStateEveryRequests = 1_000;
const skewMs = 10 * 60_000;

/** The headers a spec's (mis)signing gives an agent request. */
async function agentHeaders(g: FuzzGateway, spec: RequestSpec, body: string): Promise<Record<string, string>> {
  const [a, b] = g.agents;
  const sign = (who: { agentId: string; seed: string }, what: { body?: string; now?: number } = {}) =>
    signRequest({ method: spec.method, path: spec.path, body: what.body ?? body }, { ...who, now: what.now });
  const stranger = { agentId: a.agentId, seed: generateSigningKeyPair().seed };
  switch (spec.agentAuth) {
    case undefined:
    case 'none':
      return {};
    case 'partial': {
      const { 'x-edc-signature': _sig, ...rest } = sign(a);
      return rest;
    }
    case 'garbage':
      return { 'x-edc-agent': 'AGT-001', 'x-edc-timestamp': 'soon', 'x-edc-nonce': 'n', 'x-edc-signature': '!!' };
    case 'unknownAgent':
      return sign({ agentId: 'AGT-999', seed: stranger.seed });
    case 'wrongKey':
      return sign(stranger);
    case 'skewed':
      return sign(a, { now: Date.now() + (randomBytes(1)[0]! % 2 === 0 ? skewMs : -skewMs) });
    case 'otherBody':
      return sign(a, { body: body + ' ' });
    case 'replay': {
      // A request the gateway has just accepted, sent again as it was (headers and all).
      const url = `/v1/agents/${a.agentId}/head`;
      const headers = signRequest({ method: 'GET', path: url, body: '' }, a);
      const first = await g.gateway.app.inject({ method: 'GET', url, headers });
      if (first.statusCode !== 200) throw new FuzzViolation(`replay setup: GET head answered ${first.statusCode}`);
      return headers;
    }
    case 'validBadBody':
      return sign(spec.path.includes(`/${b.agentId}/`) ? b : a);
    case 'validOtherAgent':
      return sign(spec.path.includes(`/${a.agentId}/`) ? b : a);
  }
}

function staffHeaders(g: FuzzGateway, spec: RequestSpec): Record<string, string> {
  switch (spec.staffAuth) {
    case undefined:
    case 'none':
      return {};
    case 'garbage':
      return { authorization: 'Bearer' };
    case 'unknownToken':
      return { authorization: `Bearer ${randomBytes(32).toString('base64url')}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`admin:${g.tokens.admin}`).toString('base64')}` };
    case 'viewerTooLow':
      return { authorization: `Bearer ${g.tokens.viewer}` };
    case 'adminBadInput':
      return { authorization: `Bearer ${g.tokens.admin}` };
  }
}

/**
 * Findings this fuzzer made that are reported and open in gateway/http (not this folder's to
 * fix). A matching answer is counted as `known:<id>` and printed, not failed, so the fuzzer keeps
 * running and keeps counting them; delete an entry when its fix lands, and the fuzzer holds it.
 */
export const knownFindings: readonly {
  readonly id: string;
  readonly what: string;
  readonly matches: (status: number, text: string) => boolean;
}[] = [];

function checkAnswer(spec: RequestSpec, status: number, contentType: string | undefined, text: string): string {
  const known = knownFindings.find((k) => k.matches(status, text));
  if (known !== undefined) return `known:${known.id}`;
  const where = `${spec.method} ${spec.path.slice(0, 80)} (${spec.family}, ${spec.agentAuth ?? spec.staffAuth})`;
  if (status < 400 || status > 499)
    throw new FuzzViolation(`${where}: expected a 4xx, found ${status}: ${text.slice(0, 200)}`);
  let body: { statusCode?: unknown; code?: unknown; message?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new FuzzViolation(`${where}: ${status} with a body that is not JSON (${contentType}): ${text.slice(0, 120)}`);
  }
  if (typeof body.code !== 'string' || !/^EDC_ERR_[A-Z0-9_]+$/.test(body.code) || body.statusCode !== status)
    throw new FuzzViolation(`${where}: ${status} without a coded ErrorBody: ${text.slice(0, 200)}`);
  if (typeof body.message !== 'string' || /\n\s+at /.test(text))
    throw new FuzzViolation(`${where}: ${status} body has no message or carries a stack trace`);
  return `${status} ${body.code}`;
}

function bodyText(body: RequestSpec['body']): string {
  return body === undefined ? '' : typeof body === 'string' ? body : body.toString('latin1');
}

/** Sends one spec and checks its answer and the state; returns its outcome labels. */
async function attack(g: FuzzGateway, asked: RequestSpec, before: { glance: string; full: string }, n: () => number) {
  // A replayed read is the accepted request itself, sent again: the nonce check must refuse it.
  const spec: RequestSpec =
    asked.agentAuth === 'replay' && asked.family === 'read'
      ? { ...asked, method: 'GET', path: `/v1/agents/${g.agents[0].agentId}/head`, body: undefined }
      : asked;
  const text = bodyText(spec.body);
  const headers: Record<string, string> = {
    ...spec.headers,
    ...(spec.contentType === undefined ? {} : { 'content-type': spec.contentType }),
    ...(await agentHeaders(g, spec, text)),
    ...staffHeaders(g, spec),
  };
  const response = await g.gateway.app.inject({
    method: spec.method,
    url: spec.path,
    headers,
    ...(spec.body === undefined ? {} : { payload: spec.body }),
  });
  const outcome = checkAnswer(spec, response.statusCode, response.headers['content-type'] as string, response.body);
  const ids = g.agents.map((a) => a.agentId);
  if ((await glance(g.store, ids)) !== before.glance)
    throw new FuzzViolation(`${spec.method} ${spec.path.slice(0, 80)} changed a head or the counters (${outcome})`);
  if (n() % fullStateEveryRequests === 0 && (await observe(g.store, ids)) !== before.full)
    throw new FuzzViolation(`the gateway's state changed within the last ${fullStateEveryRequests} requests`);
  return [`family:${spec.family}`, outcome];
}

export async function fuzzHttp(options: FuzzRunOptions): Promise<FuzzFigures> {
  const g = await startFuzzGateway();
  try {
    const ids = g.agents.map((a) => a.agentId);
    const before = { glance: await glance(g.store, ids), full: await observe(g.store, ids) };
    // One body over the gateway's limit (1 MiB), made once: a few requests carry it.
    const huge = Buffer.alloc(1_100_000, 0x20);
    let sent = 0;
    const entry = g.entry as unknown as Record<string, unknown>;
    const figures = await fuzz(
      'http',
      adversarialRequests(entry, huge),
      (spec) => attack(g, spec, before, () => ++sent),
      options,
    );
    if (figures.failure === undefined && (await observe(g.store, ids)) !== before.full)
      throw new FuzzViolation('the gateway state changed during the run');
    const head = await signedInject(g.gateway, g.agents[0], 'GET', `/v1/agents/${g.agents[0].agentId}/head`);
    if (head.status !== 200) throw new FuzzViolation(`the gateway stopped serving its agents (${head.status})`);
    return figures;
  } finally {
    await g.close();
  }
}
