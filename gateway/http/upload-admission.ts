/**
 * A bound on uploads in flight, checked in onRequest: before the body is read, parsed,
 * authenticated or queued for verification. An upload is in flight from its admission until its
 * response is sent or its connection closes. Over either limit (uploadsInFlightMax uploads,
 * uploadsInFlightBytesMax bytes by Content-Length; a body without one counts as
 * uploadBodyBytesMax) the upload waits, its body unread (the socket's backpressure holds it in the
 * client), in a first-come first-served queue of at most uploadsWaitingMax uploads, each for at
 * most uploadAdmissionWaitMsMax. An upload that finds the queue full, or is still waiting at its
 * deadline, is answered 503 EDC_ERR_UNAVAILABLE with Retry-After, and nothing is read or stored:
 * the agent keeps its entries and retries (agent/forward honours Retry-After). When nothing is in
 * flight an upload is always admitted, so no size within uploadBodyBytesMax starves.
 *
 * Why a queue rather than an immediate 503: a herd of agents refused at once all sleep the whole
 * Retry-After and come back together, so the gateway idled between waves (bench/herd.ts and the
 * 256-agent bench/gateway-ingest.ts spent most of their time in those sleeps). A waiting upload
 * costs a socket and a request object, not its body.
 *
 * The refusal is not charged to the source address's budget: agents behind one carrier NAT
 * would otherwise turn a busy gateway's 503s into 429s.
 *
 * An agent refused here comes back first: its next upload waits ahead of every upload of an agent
 * not refused (first come, first served among them). Without it, a loaded gateway could refuse
 * the same agent again and again, each refusal doubling its backoff window (agent/forward: full
 * jitter up to 60 s), until the last few agents of a herd slept for a minute while the gateway
 * idled (bench/gateway-ingest.ts, 256 agents, once 60 entries/s). The agents remembered are
 * bounded by uploadsWaitingMax (the oldest forgotten first), well-formed ids only; the mark is the path's agent id,
 * before authentication, so a forged one buys a place in the queue at most, never a store write.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config.ts';
import { AgentId } from '../../protocol/messages/schemas.ts';
import { ERR_UNAVAILABLE } from '../errors.ts';

export const uploadRoute = '/v1/agents/:agentId/uploads';
const retryAfterSeconds = 1;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request was refused by the upload admission (not charged to any budget). */
    uploadShed?: boolean;
  }
}

export interface UploadAdmission {
  readonly onRequest: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

type Limits = Pick<
  GatewayConfig,
  | 'uploadsInFlightMax'
  | 'uploadsInFlightBytesMax'
  | 'uploadBodyBytesMax'
  | 'uploadsWaitingMax'
  | 'uploadAdmissionWaitMsMax'
>;

interface Waiter {
  readonly size: number;
  /** Its agent was refused before: it waits ahead of the uploads of agents that were not. */
  readonly priority: boolean;
  readonly reply: FastifyReply;
  /** Admits (true) or refuses (false) the waiting upload; called once. */
  readonly settle: (admitted: boolean) => void;
}

function declaredBytes(request: FastifyRequest, bodyBytesMax: number): number {
  const raw = request.headers['content-length'];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, bodyBytesMax) : bodyBytesMax;
}

function refusal(config: Limits, found: string): InstanceType<typeof ERR_UNAVAILABLE> {
  return new ERR_UNAVAILABLE(
    `Cannot accept upload now: expected at most ${config.uploadsInFlightMax} uploads and ` +
      `${config.uploadsInFlightBytesMax} bytes in flight, found ${found}; retry after ${retryAfterSeconds} s`,
    { retryAfterSeconds },
  );
}

/** Agents refused here, oldest refusal first, at most agentsMax of them. */
function refusedAgents(agentsMax: number) {
  const refused = new Set<string>();
  return {
    remember: (agentId: string | undefined): void => {
      // Only a well-formed id is kept: the path is unauthenticated here, its length only the URL's bound.
      if (agentId === undefined || !AgentId.safeParse(agentId).success) return;
      refused.delete(agentId);
      refused.add(agentId);
      while (refused.size > agentsMax) refused.delete(refused.values().next().value!);
    },
    /** Whether the agent was refused before; it is forgotten (its next upload is a fresh one). */
    take: (agentId: string | undefined): boolean => agentId !== undefined && refused.delete(agentId),
  };
}

export function createUploadAdmission(config: Limits): UploadAdmission {
  let uploads = 0;
  let bytes = 0;
  const waiting: Waiter[] = [];
  const fits = (size: number): boolean =>
    uploads === 0 || (uploads + 1 <= config.uploadsInFlightMax && bytes + size <= config.uploadsInFlightBytesMax);
  const admit = (reply: FastifyReply, size: number): void => {
    uploads += 1;
    bytes += size;
    let released = false;
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      uploads -= 1;
      bytes -= size;
      pump();
    });
  };
  // First come, first served: only the oldest waiter may take free room. Its room is taken here,
  // at once, so one call admits only as many as fit. Run when room is freed and when the oldest
  // waiter leaves (deadline or client gone): the one behind it may fit where it did not.
  const pump = (): void => {
    while (waiting.length > 0 && fits(waiting[0]!.size)) {
      const next = waiting.shift()!;
      admit(next.reply, next.size);
      next.settle(true);
    }
  };
  const refused = refusedAgents(Math.max(1, config.uploadsWaitingMax));
  const enqueue = (waiter: Waiter): void => {
    if (!waiter.priority) return void waiting.push(waiter);
    const at = waiting.findIndex((w) => !w.priority);
    waiting.splice(at < 0 ? waiting.length : at, 0, waiter);
  };
  const wait = (reply: FastifyReply, size: number, priority: boolean): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        size,
        priority,
        reply,
        settle: (admitted) => {
          clearTimeout(timer);
          reply.raw.off('close', gone);
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          resolve(admitted);
          if (at === 0) pump();
        },
      };
      // A client that gives up while waiting leaves the queue (its answer goes nowhere).
      const gone = (): void => waiter.settle(false);
      const timer = setTimeout(() => waiter.settle(false), config.uploadAdmissionWaitMsMax);
      reply.raw.once('close', gone);
      enqueue(waiter);
      pump(); // a refused agent's retry goes ahead of uploads that do not fit, and may fit itself
    });
  return {
    onRequest: async (request, reply) => {
      if (request.method !== 'POST' || request.routeOptions.url !== uploadRoute) return;
      const size = declaredBytes(request, config.uploadBodyBytesMax);
      const agentId = (request.params as { agentId?: string } | undefined)?.agentId;
      const priority = refused.take(agentId);
      if (waiting.length === 0 && fits(size)) return admit(reply, size);
      const found = uploads + 1 > config.uploadsInFlightMax ? `${uploads} uploads` : `${bytes} + ${size} bytes`;
      // Admitted while waiting: admit() already counted it (the release that made room did).
      if (waiting.length < config.uploadsWaitingMax && (await wait(reply, size, priority))) return;
      refused.remember(agentId);
      request.uploadShed = true;
      throw refusal(config, `${found} and ${waiting.length} waiting`);
    },
  };
}
