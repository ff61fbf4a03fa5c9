/**
 * Staff authentication: `authorization: Bearer <token>`; the store holds only SHA-256 of each
 * token. Roles are ordered viewer < reconciler < admin; each route names the least role it
 * needs in its config, and a route without one is refused (fail closed).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERR_STAFF_FORBIDDEN, ERR_STAFF_UNAUTHENTICATED } from '../errors.ts';
import type { Role, TokenNonceStore, TokenRecord } from '../store/types.ts';

export const roles = ['viewer', 'reconciler', 'admin'] as const satisfies readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least staff role a staff route needs. */
    role?: Role;
  }
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token (shown once) and the record to store. */
export function newToken(role: Role, name: string, now: number): { token: string; record: TokenRecord } {
  const token = `edcst_${randomBytes(32).toString('base64url')}`;
  return { token, record: { tokenSha256: tokenSha256(token), name, role, createdAt: now } };
}

export function staffAuthHook(store: Pick<TokenNonceStore, 'getToken'>) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header) : null;
    if (match === null)
      throw new ERR_STAFF_UNAUTHENTICATED(
        'Cannot authenticate: expected "authorization: Bearer <staff token>", found none or malformed',
      );
    const record = await store.getToken(tokenSha256(match[1]!));
    if (record === undefined) throw new ERR_STAFF_UNAUTHENTICATED('Cannot authenticate: the staff token is unknown');
    const needed = request.routeOptions.config.role;
    if (needed === undefined || roles.indexOf(record.role) < roles.indexOf(needed)) {
      throw new ERR_STAFF_FORBIDDEN(
        `Cannot ${request.method} ${request.routeOptions.url ?? ''}: ` +
          `expected role ${needed ?? 'admin'} or above, found ${record.role}`,
        { needed: needed ?? 'admin', found: record.role },
      );
    }
    request.staff = record;
  };
}
