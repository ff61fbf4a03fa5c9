/**
 * Request budgets, counted after authentication so that nobody can spend someone else's:
 *
 * - agent: per verified agent id, charged once the request's signature and nonce checked out
 *   (agent-auth.ts). A stranger claiming an agent's id fails authentication and is charged to
 *   his own address instead; so is a replay of a captured request.
 * - staff: per token, charged once the token is known, before its role is checked (staff-auth.ts).
 * - address: per source address, for every request that authenticates as nobody: a failed agent
 *   or staff authentication, a body refused before authentication (415, 413, malformed JSON),
 *   /docs, /dashboard, unknown routes. Agents behind one carrier NAT share an address, which is
 *   why their own requests are never charged here.
 *   Nor is a request refused 503 (the gateway could not serve it: the bound on uploads in flight,
 *   upload-admission.ts, or a failed store before authentication could read the agent).
 * - ops: per source address, /healthz, /readyz and /metrics only, so a monitor is never starved
 *   by other traffic and never starves it.
 *
 * Each request is charged to exactly one budget (request.rateBudget says which). Every budget is
 * a fixed window of rateWindowMs, counted by @fastify/rate-limit's in-memory LRU store (at most
 * rateKeysMax counters per budget; a dropped counter starts a fresh window). A request over its
 * budget is 429 EDC_ERR_RATE_LIMITED with Retry-After; it is counted in
 * edc_gateway_errors_total but not written to the audit log, so a flood cannot grow the log
 * beyond the budgets. IPv6 addresses are grouped by /64 (one subscriber's allocation).
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config.ts';
import { ERR_RATE_LIMITED } from '../errors.ts';
import type { EdcError } from '../../protocol/errors.ts';

export type Budget = 'agent' | 'staff' | 'address' | 'ops';

declare module 'fastify' {
  interface FastifyRequest {
    /** The budget this request was charged to (set once). */
    rateBudget?: Budget;
    /** Whose budget: an agent id, a token's SHA-256, or a source address. */
    rateSubject?: string;
  }
}

export const opsRoutes: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
const authenticatedPrefixes = ['/v1/agents/', '/v1/staff/'];
const ipv6SubnetBits = 64;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

export interface RateLimits {
  /** Charges a verified agent's request; throws 429 when the agent is over its budget. */
  readonly chargeAgent: (request: FastifyRequest, agentId: string) => Promise<void>;
  /** Charges a known staff token's request; throws 429 when the token is over its budget. */
  readonly chargeStaff: (request: FastifyRequest, tokenSha256: string) => Promise<void>;
  /** onRequest hook: ops routes to the ops budget, routes without authentication to the address. */
  readonly onRequest: (request: FastifyRequest) => Promise<void>;
  /**
   * For a request refused before any budget was charged (failed authentication, a body refused
   * before it): charges its address and returns the 429 to answer instead when the address is
   * over its budget.
   */
  readonly chargeRefused: (request: FastifyRequest) => Promise<EdcError | undefined>;
}

export function addressOf(request: FastifyRequest): string {
  return normalizeIP(request.ip, ipv6SubnetBits);
}

function budgets(config: GatewayConfig): Record<Budget, number> {
  return {
    agent: config.rateRequestsMax,
    staff: config.rateStaffRequestsMax,
    address: config.rateAddressRequestsMax,
    ops: config.rateOpsRequestsMax,
  };
}

const who: Record<Budget, (subject: string) => string> = {
  agent: (s) => `agent ${s}`,
  staff: (s) => `staff token ${s.slice(0, 12)}...`,
  address: (s) => `unauthenticated requests from ${s}`,
  ops: (s) => `health and metrics requests from ${s}`,
};

/** Needs @fastify/rate-limit registered on `app` (for createRateLimit). */
export function createRateLimits(app: FastifyInstance, config: GatewayConfig): RateLimits {
  const max = budgets(config);
  const limiters = {} as Record<Budget, Limiter>;
  for (const budget of Object.keys(max) as Budget[]) {
    // `cache` (the LRU size) reaches each budget's own store through the options, as the plugin
    // merges them; its type does not list it.
    const options = {
      max: max[budget],
      timeWindow: config.rateWindowMs,
      cache: config.rateKeysMax,
      keyGenerator: (request: FastifyRequest) => request.rateSubject ?? '-',
    };
    limiters[budget] = app.createRateLimit(options);
  }

  async function check(request: FastifyRequest, budget: Budget, subject: string): Promise<EdcError | undefined> {
    request.rateBudget = budget;
    request.rateSubject = subject;
    const result = await limiters[budget](request);
    if (result.isAllowed || !result.isExceeded) return undefined;
    const retryAfterSeconds = Math.max(1, result.ttlInSeconds);
    return new ERR_RATE_LIMITED(
      `Cannot accept request: expected at most ${result.max} requests per ${config.rateWindowMs / 1000} s ` +
        `for ${who[budget](subject)}, found more; retry after ${retryAfterSeconds} s`,
      { retryAfterSeconds, budget },
    );
  }

  async function charge(request: FastifyRequest, budget: Budget, subject: string): Promise<void> {
    const refused = await check(request, budget, subject);
    if (refused !== undefined) throw refused;
  }

  return {
    chargeAgent: (request, agentId) => charge(request, 'agent', agentId),
    chargeStaff: (request, tokenSha256) => charge(request, 'staff', tokenSha256),
    onRequest: async (request) => {
      const url = request.routeOptions.url;
      if (url !== undefined && opsRoutes.has(url)) return charge(request, 'ops', addressOf(request));
      if (url !== undefined && authenticatedPrefixes.some((p) => url.startsWith(p))) return;
      return charge(request, 'address', addressOf(request));
    },
    chargeRefused: async (request) =>
      request.rateBudget === undefined && request.uploadShed !== true
        ? check(request, 'address', addressOf(request))
        : undefined,
  };
}
