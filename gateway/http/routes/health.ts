/** Liveness, readiness and Prometheus metrics (no authentication, no personal data). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../protocol/messages/schemas.ts';
import { ERR_UNAVAILABLE } from '../../errors.ts';
import type { ChainStore } from '../../store/types.ts';
import type { ContextWith } from '../context.ts';

export function healthRoutes(ctx: ContextWith<ChainStore>, ready: () => boolean) {
  return (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/healthz',
      { schema: { tags: ['ops'], response: { 200: z.strictObject({ status: z.literal('ok') }) } } },
      () => ({ status: 'ok' as const }),
    );
    r.get(
      '/readyz',
      { schema: { tags: ['ops'], response: { 200: z.strictObject({ status: z.literal('ready') }), 503: ErrorBody } } },
      async () => {
        if (!ready())
          throw new ERR_UNAVAILABLE('Cannot serve: the gateway is starting or stopping', { retryAfterSeconds: 1 });
        await ctx.store.head('READYZ-PROBE');
        return { status: 'ready' as const };
      },
    );
    r.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_request, reply) => {
      return reply.type(ctx.metrics.contentType).send(await ctx.metrics.text());
    });
    return Promise.resolve();
  };
}
