/**
 * Staff API under /v1/staff: bearer tokens with roles, every request written to the append-only
 * audit log (actor, route, parameters, status, address) before it is answered, refused ones
 * (401, 403) included; see staff-audit.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenRecord } from '../../store/types.ts';
import type { GatewayContext } from '../context.ts';
import { assertTahapKnown } from '../known-tahap.ts';
import { staffAuditRecord } from '../staff-audit.ts';
import { staffAuthHook } from '../staff-auth.ts';
import { staffReportRoutes } from './staff-reports.ts';
import { staffActionRoutes } from './staff-actions.ts';
import { staffOverviewRoutes } from './staff-overview.ts';
import { staffKpmRoutes } from './staff-kpm.ts';
import { staffFailedCreditRoutes } from './staff-failed-credits.ts';
import { staffDayRoutes } from './staff-days.ts';

/** localTokens: tokens held in this process's memory only (serve's for local commands), checked first. */
export function staffRoutes(ctx: GatewayContext, localTokens: readonly TokenRecord[] = []) {
  const inMemory = new Map(localTokens.map((record) => [record.tokenSha256, record]));
  const tokens = {
    getToken: async (sha256: string) => inMemory.get(sha256) ?? ctx.store.getToken(sha256),
  };
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(
      async (scope) => {
        scope.addHook('preValidation', staffAuthHook(tokens, ctx.rateLimits));
        // A tahap the gateway does not know would read all zeros, "balanced": refused on every tahap route.
        scope.addHook('preHandler', async (request) => {
          const { tahap } = request.params as { tahap?: string };
          if (tahap !== undefined) await assertTahapKnown(ctx.store, tahap);
        });
        // onSend, not onResponse: the audit record is durable before the client sees the answer.
        scope.addHook('onSend', async (request, reply, payload) => {
          if (reply.statusCode === 429) return payload;
          await ctx.store.appendAudit(staffAuditRecord(request, reply.statusCode, payload, ctx.now()));
          return payload;
        });
        await scope.register(staffReportRoutes(ctx));
        await scope.register(staffActionRoutes(ctx));
        await scope.register(staffOverviewRoutes(ctx));
        await scope.register(staffKpmRoutes(ctx));
        await scope.register(staffFailedCreditRoutes(ctx));
        await scope.register(staffDayRoutes(ctx));
      },
      { prefix: '/v1/staff' },
    );
  };
}
