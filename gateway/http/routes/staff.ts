/**
 * Staff API under /v1/staff: bearer tokens with roles, every request written to the append-only
 * audit log (actor, route, parameters, status) before it is answered.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { staffAuthHook } from '../staff-auth.ts';
import { staffReportRoutes } from './staff-reports.ts';
import { staffActionRoutes } from './staff-actions.ts';
import { staffOverviewRoutes } from './staff-overview.ts';

export function staffRoutes(ctx: GatewayContext) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(
      async (scope) => {
        scope.addHook('preValidation', staffAuthHook(ctx.store));
        // onSend, not onResponse: the audit record is durable before the client sees the answer.
        scope.addHook('onSend', async (request, reply, payload) => {
          if (request.staff === undefined) return payload;
          await ctx.store.appendAudit({
            at: ctx.now(),
            actor: request.staff.name,
            action: `${request.method} ${request.routeOptions.url ?? ''}`,
            details: {
              params: request.params,
              query: request.query,
              status: reply.statusCode,
              role: request.staff.role,
            },
          });
        });
        await scope.register(staffReportRoutes(ctx));
        await scope.register(staffActionRoutes(ctx));
        await scope.register(staffOverviewRoutes(ctx));
      },
      { prefix: '/v1/staff' },
    );
  };
}
