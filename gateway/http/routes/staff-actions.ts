/** Staff write routes: exception transitions, reconcile, agent revoke, evidence, tokens, bundle import. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentId } from '../../../protocol/messages/schemas.ts';
import { importBundle, parseBundle } from '../../ingest/bundle.ts';
import type { AgentStore, ChainStore, ExceptionAuditStore, ReconStore, TokenNonceStore } from '../../store/types.ts';
import type { ContextWith, GatewayContext } from '../context.ts';
import { newToken } from '../staff-auth.ts';
import { ExceptionState, ExceptionView, ResolutionReason, Role, TahapParams, staffErrors } from './staff-schemas.ts';

export const bundleBodyBytesMax = 512 * 1024 * 1024;

function exceptionTransitionRoute(app: FastifyInstance, ctx: ContextWith<ExceptionAuditStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/exceptions/:id/transition',
    {
      config: { role: 'reconciler' },
      schema: {
        tags: ['staff'],
        summary:
          'Move an exception: open -> investigating -> resolved (reason), investigating -> open; a note each time',
        params: z.strictObject({ id: z.string().min(3).max(200) }),
        body: z.strictObject({
          to: ExceptionState,
          reason: ResolutionReason.optional(),
          note: z.string().min(1).max(2000),
        }),
        response: { 200: ExceptionView, ...staffErrors },
      },
    },
    async (request) =>
      ctx.store.transitionException(request.params.id, {
        ...request.body,
        reason: request.body.reason,
        actor: request.staff!.name,
        now: ctx.now(),
      }),
  );
}

function exceptionAssignRoute(app: FastifyInstance, ctx: ContextWith<ExceptionAuditStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/exceptions/:id/assign',
    {
      config: { role: 'reconciler' },
      schema: {
        tags: ['staff'],
        summary: 'Assign an unresolved exception to a staff member (a token name), or unassign it with null; audited',
        params: z.strictObject({ id: z.string().min(3).max(200) }),
        body: z.strictObject({ assignee: z.string().trim().min(1).max(100).nullable() }),
        response: { 200: ExceptionView, ...staffErrors },
      },
    },
    async (request) =>
      ctx.store.assignException(request.params.id, {
        assignee: request.body.assignee ?? undefined,
        actor: request.staff!.name,
        now: ctx.now(),
      }),
  );
}

function reconcileRoute(app: FastifyInstance, ctx: ContextWith<ReconStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/tahap/:tahap/reconcile',
    {
      config: { role: 'reconciler' },
      schema: {
        tags: ['staff'],
        summary: 'Full recompute from raw records, compared with the continuous state and stored',
        params: TahapParams,
      },
    },
    async (request) => ctx.store.reconcile(request.params.tahap, ctx.now()),
  );
}

function agentRevokeRoute(app: FastifyInstance, ctx: ContextWith<AgentStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/agents/:agentId/revoke',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['staff'],
        params: z.strictObject({ agentId: AgentId }),
        response: { 200: z.record(z.string(), z.unknown()), ...staffErrors },
      },
    },
    async (request) => {
      const { lookupKey: _secret, ...agent } = await ctx.store.revokeAgent(request.params.agentId, ctx.now());
      return agent;
    },
  );
}

function agentEvidenceRoute(app: FastifyInstance, ctx: ContextWith<ChainStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/agents/:agentId/evidence',
    {
      config: { role: 'reconciler' },
      schema: {
        tags: ['staff'],
        summary: 'Fork and tampered-upload evidence kept for an agent',
        params: z.strictObject({ agentId: AgentId }),
      },
    },
    async (request) => {
      const records = await ctx.store.evidence(request.params.agentId, 1000);
      // The entries keep their sealed PAN (only the gateway key opens it); panHash is a keyed hash.
      return { items: records };
    },
  );
}

function tokenCreateRoute(app: FastifyInstance, ctx: ContextWith<TokenNonceStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/tokens',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['staff'],
        summary: 'Create a staff token (shown once)',
        body: z.strictObject({ role: Role, name: z.string().min(1).max(100) }),
        response: { 200: z.object({ token: z.string(), role: Role, name: z.string() }), ...staffErrors },
      },
    },
    async (request) => {
      const { token, record } = newToken(request.body.role, request.body.name, ctx.now());
      await ctx.store.putToken(record);
      return { token, role: record.role, name: record.name };
    },
  );
}

function bundleImportRoute(app: FastifyInstance, ctx: ContextWith<AgentStore & ChainStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/import/bundle',
    {
      config: { role: 'admin' },
      bodyLimit: bundleBodyBytesMax,
      schema: { tags: ['staff'], summary: "Ingest an agent's exported bundle like an upload" },
    },
    async (request) => {
      const result = await importBundle(ctx.store, parseBundle(request.body), ctx.now());
      return {
        accepted: result.accepted,
        duplicates: result.duplicates,
        headSeq: result.head.seq,
        headHash: result.head.hash,
      };
    },
  );
}

export function staffActionRoutes(ctx: GatewayContext) {
  return (app: FastifyInstance): Promise<void> => {
    exceptionTransitionRoute(app, ctx);
    exceptionAssignRoute(app, ctx);
    reconcileRoute(app, ctx);
    agentRevokeRoute(app, ctx);
    agentEvidenceRoute(app, ctx);
    tokenCreateRoute(app, ctx);
    bundleImportRoute(app, ctx);
    return Promise.resolve();
  };
}
