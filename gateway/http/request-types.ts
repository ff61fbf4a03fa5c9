/** What the gateway's hooks attach to a request. */
import type { AgentRecord, TokenRecord } from '../store/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact body bytes (for the request signature), set by the JSON parser. */
    rawBody?: Buffer;
    /** The authenticated agent (agent routes). */
    agent?: AgentRecord;
    /** The authenticated staff token (staff routes; set before its role is checked). */
    staff?: TokenRecord;
  }
}
export {};
