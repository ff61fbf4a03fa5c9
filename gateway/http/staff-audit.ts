/**
 * The audit record of one staff request, written before the answer leaves (staff.ts). Refused
 * requests are recorded too (401 with actor "unauthenticated", 403 with the token's name), so
 * the log shows who tried what. A token is never written: only "none" or the first 12 hex digits
 * of the SHA-256 of what was presented, enough to tell attempts apart and to match a known
 * token's records, useless to replay. Answers over a rate budget (429) are not recorded, so the
 * log grows at most by the budgets (rate-limits.ts).
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuditRecord } from '../store/types.ts';
import { addressOf } from './rate-limits.ts';

const tokenHashHexShown = 12;
const refusedUrlCharsMax = 200;

/** "none", or "sha256:" + the first 12 hex digits of the SHA-256 of the presented credential. */
export function presentedToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') return 'none';
  const credential = /^Bearer (.+)$/.exec(authorization)?.[1] ?? authorization;
  const digest = createHash('sha256').update(credential, 'utf8').digest('hex');
  return `sha256:${digest.slice(0, tokenHashHexShown)}`;
}

function errorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

export function staffAuditRecord(
  request: FastifyRequest,
  status: number,
  payload: unknown,
  now: number,
): Omit<AuditRecord, 'id'> {
  const staff = request.staff;
  const common = {
    status,
    address: addressOf(request),
    token: presentedToken(request.headers.authorization),
    ...(staff === undefined ? {} : { role: staff.role }),
    ...(status >= 400 ? { code: errorCode(payload) } : {}),
  };
  // An answered request's params and query passed their schema; a refused one's may not have
  // (it can be refused before validation), so only its path, bounded, is kept.
  const details =
    status >= 400
      ? { ...common, url: request.url.slice(0, refusedUrlCharsMax) }
      : { ...common, params: request.params, query: request.query };
  return {
    at: now,
    actor: staff?.name ?? 'unauthenticated',
    action: `${request.method} ${request.routeOptions.url ?? ''}`,
    details,
  };
}
