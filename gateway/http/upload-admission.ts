/**
 * A bound on uploads in flight, checked in onRequest: before the body is read, parsed,
 * authenticated or queued for verification. An upload is in flight from its request's arrival
 * until its response is sent or its connection closes. Over either limit (uploadsInFlightMax
 * uploads, uploadsInFlightBytesMax bytes by Content-Length; a body without one counts as
 * uploadBodyBytesMax) the answer is 503 EDC_ERR_UNAVAILABLE with Retry-After, and nothing is read
 * or stored: the agent keeps its entries and retries (agent/forward honours Retry-After). When
 * nothing is in flight an upload is always admitted, so no size within uploadBodyBytesMax starves.
 *
 * The refusal is not charged to the source address's budget: agents behind one carrier NAT
 * would otherwise turn a busy gateway's 503s into 429s.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config.ts';
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
  /** Uploads and declared body bytes in flight now. */
  readonly inFlight: () => { readonly uploads: number; readonly bytes: number };
}

type Limits = Pick<GatewayConfig, 'uploadsInFlightMax' | 'uploadsInFlightBytesMax' | 'uploadBodyBytesMax'>;

function declaredBytes(request: FastifyRequest, bodyBytesMax: number): number {
  const raw = request.headers['content-length'];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, bodyBytesMax) : bodyBytesMax;
}

export function createUploadAdmission(config: Limits): UploadAdmission {
  let uploads = 0;
  let bytes = 0;
  return {
    inFlight: () => ({ uploads, bytes }),
    onRequest: async (request, reply) => {
      if (request.method !== 'POST' || request.routeOptions.url !== uploadRoute) return;
      const size = declaredBytes(request, config.uploadBodyBytesMax);
      const overCount = uploads + 1 > config.uploadsInFlightMax;
      const overBytes = bytes + size > config.uploadsInFlightBytesMax;
      if (uploads > 0 && (overCount || overBytes)) {
        request.uploadShed = true;
        const found = overCount ? `${uploads} uploads` : `${bytes} + ${size} bytes`;
        throw new ERR_UNAVAILABLE(
          `Cannot accept upload now: expected at most ${config.uploadsInFlightMax} uploads and ` +
            `${config.uploadsInFlightBytesMax} bytes in flight, found ${found}; retry after ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        );
      }
      uploads += 1;
      bytes += size;
      let released = false;
      reply.raw.once('close', () => {
        if (released) return;
        released = true;
        uploads -= 1;
        bytes -= size;
      });
    },
  };
}
