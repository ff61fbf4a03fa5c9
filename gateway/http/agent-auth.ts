/**
 * Agent request authentication (HTTP contract): four x-edc-* headers, a timestamp within
 * ±requestClockSkewMaxMs, a nonce used once, an Ed25519 signature by the enrolled agent over
 * method, path-with-query, timestamp, nonce and the SHA-256 of the exact body bytes, and the
 * path agent equal to the signing agent. Runs as a preValidation hook so an unauthenticated
 * request never reaches schema validation or the store. Only then is the request charged to the
 * agent's rate budget; a refused one is charged to its source address (rate-limits.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  requestHeaders,
  requestNoncePattern,
  verifyRequestSignature,
} from '../../protocol/messages/request-signing.ts';
import { AgentId, Base64Signature } from '../../protocol/messages/schemas.ts';
import { ERR_AUTH_AGENT, ERR_AUTH_REPLAY, ERR_AUTH_SIGNATURE, ERR_AUTH_TIMESTAMP, ERR_UNAVAILABLE } from '../errors.ts';
import type { AgentStore, TokenNonceStore } from '../store/types.ts';
import type { RateLimits } from './rate-limits.ts';
import { ReplayClock } from './replay-clock.ts';

export interface AgentAuthOptions {
  /** Agents to authenticate against; the durable replay guard (claimNonce). */
  readonly store: Pick<AgentStore, 'getAgent'> & Pick<TokenNonceStore, 'claimNonce'>;
  readonly skewMaxMs: number;
  readonly now: () => number;
  /** The monotonic clock the replay guard's time is held to (replay-clock.ts); performance.now by default. */
  readonly monotonicNow?: (() => number) | undefined;
  /** The agent's own budget is charged only here, once the request proved to be the agent's. */
  readonly rateLimits: RateLimits;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function agentAuthHook(options: AgentAuthOptions) {
  const replayClock = new ReplayClock(2 * options.skewMaxMs, options.monotonicNow);
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const agentId = header(request, requestHeaders.agent);
    const timestampText = header(request, requestHeaders.timestamp);
    const nonce = header(request, requestHeaders.nonce);
    const signature = header(request, requestHeaders.signature);
    if (agentId === undefined || timestampText === undefined || nonce === undefined || signature === undefined) {
      throw new ERR_AUTH_SIGNATURE(
        'Cannot authenticate: expected headers x-edc-agent, x-edc-timestamp, x-edc-nonce and x-edc-signature, ' +
          'found some missing',
      );
    }
    if (
      !AgentId.safeParse(agentId).success ||
      !/^[0-9]{1,16}$/.test(timestampText) ||
      !requestNoncePattern.test(nonce) ||
      !Base64Signature.safeParse(signature).success
    ) {
      throw new ERR_AUTH_SIGNATURE(
        'Cannot authenticate: expected an agent id, a millisecond timestamp, 32 hex nonce and a base64 signature, ' +
          'found a malformed header',
      );
    }
    const pathAgent = (request.params as { agentId?: string }).agentId;
    if (pathAgent !== agentId)
      throw new ERR_AUTH_AGENT(`Cannot act for agent ${pathAgent ?? '?'}: the request is signed by ${agentId}`);
    const agent = await options.store.getAgent(agentId);
    if (agent === undefined || agent.status !== 'active') {
      throw new ERR_AUTH_AGENT(
        `Cannot authenticate agent ${agentId}: expected an enrolled active agent, ` +
          `found ${agent === undefined ? 'none' : agent.status}`,
      );
    }
    const timestamp = Number(timestampText);
    const now = options.now();
    if (Math.abs(now - timestamp) > options.skewMaxMs) {
      throw new ERR_AUTH_TIMESTAMP(
        `Cannot authenticate: expected a timestamp within ${options.skewMaxMs} ms of ${now}, found ${timestamp}`,
        { now, timestamp },
      );
    }
    const body = request.rawBody ?? '';
    if (
      !verifyRequestSignature(
        { method: request.method, path: request.url, timestamp, nonce, body },
        signature,
        agent.publicKey,
      )
    ) {
      throw new ERR_AUTH_SIGNATURE(
        `Cannot authenticate agent ${agentId}: the signature does not verify with the enrolled key`,
      );
    }
    const seen = await options.store.claimNonce(agentId, nonce, timestamp + options.skewMaxMs, replayClock.now(now));
    if (seen === 'replay') throw new ERR_AUTH_REPLAY(`Cannot accept request: nonce ${nonce} was already used`);
    if (seen === 'full')
      throw new ERR_UNAVAILABLE('Cannot accept request now: the replay guard is full', { retryAfterSeconds: 1 });
    await options.rateLimits.chargeAgent(request, agentId);
    request.agent = agent;
  };
}
