/**
 * Staff read routes: summary, positions and withdrawals by category, settlements, exceptions, CSV, reconciliations,
 * agents, audit.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentStore, ExceptionAuditStore, KpmLookupStore, ReconStore } from '../../store/types.ts';
import type { ContextWith, GatewayContext } from '../context.ts';
import { isBalanced } from '../../recon/counters.ts';
import { exportCsv } from '../csv.ts';
import { SettlementCounters, TahapCounters } from './counter-schemas.ts';
import {
  ExceptionAgeBucket,
  ExceptionAgeing,
  ExceptionKind,
  ExceptionState,
  ExceptionView,
  Filter,
  KpmCategory,
  PageQuery,
  PositionView,
  TahapParams,
  WithdrawalCategory,
  WithdrawalView,
  pageOf,
  staffErrors,
} from './staff-schemas.ts';

export const Summary = z.object({
  tahap: z.string(),
  filter: z.object({ bank: z.string().optional(), region: z.string().optional() }),
  counters: TahapCounters,
  /** disbursed = withdrawn + unclaimed + failed + returned, to the rupiah. */
  balanced: z.boolean(),
});

const viewer = { role: 'viewer' as const };

function summaryRoute(app: FastifyInstance, ctx: ContextWith<ReconStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/summary',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary: 'Tahap totals by category (filters: bank, region prefix)',
        params: TahapParams,
        querystring: z.strictObject(Filter),
        response: { 200: Summary, ...staffErrors },
      },
    },
    async (request) => {
      const counters = await ctx.store.summary(request.params.tahap, request.query);
      return { tahap: request.params.tahap, filter: request.query, counters, balanced: isBalanced(counters) };
    },
  );
}

/** Positions and withdrawals: one category at a time, paginated. */
function categoryRoutes(app: FastifyInstance, ctx: ContextWith<ReconStore>): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/tahap/:tahap/positions',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary: 'KPM positions of one category, paginated',
        params: TahapParams,
        querystring: PageQuery.extend({ category: KpmCategory }),
        response: { 200: pageOf(PositionView), ...staffErrors },
      },
    },
    async (request) => {
      const { category, ...query } = request.query;
      return ctx.store.positions(request.params.tahap, category, query);
    },
  );
  r.get(
    '/tahap/:tahap/withdrawals',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary: 'Withdrawals of one category, paginated',
        params: TahapParams,
        querystring: PageQuery.extend({ category: WithdrawalCategory }),
        response: { 200: pageOf(WithdrawalView), ...staffErrors },
      },
    },
    async (request) => {
      const { category, ...query } = request.query;
      return ctx.store.withdrawals(request.params.tahap, category, query);
    },
  );
}

function settlementsRoute(app: FastifyInstance, ctx: ContextWith<ReconStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/settlements',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary:
          'Per-agent settlement: payable (ok, late, confirmed), disputed (held until resolved),' +
          ' refused (resolved otherwise), claimed',
        params: TahapParams,
        response: { 200: z.record(z.string(), SettlementCounters), ...staffErrors },
      },
    },
    async (request) => ctx.store.settlements(request.params.tahap),
  );
}

const ExceptionFilters = z.strictObject({
  ...Filter,
  state: ExceptionState.optional(),
  kind: ExceptionKind.optional(),
  assignee: z.string().min(1).max(100).optional(),
});

function exceptionsRoute(app: FastifyInstance, ctx: ContextWith<ExceptionAuditStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/exceptions',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary:
          'Exceptions (every KPM or withdrawal category but matched, partial, ok, reversed) with their state; ' +
          'filters: state, kind, assignee, bank, region, age (ageing bucket now)',
        params: TahapParams,
        querystring: PageQuery.extend({ ...ExceptionFilters.shape, age: ExceptionAgeBucket.optional() }),
        response: { 200: pageOf(ExceptionView), ...staffErrors },
      },
    },
    async (request) => ctx.store.exceptions(request.params.tahap, { ...request.query, now: ctx.now() }),
  );
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/exceptions/ageing',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary:
          'How many exceptions fall in each ageing bucket now (unworked, lt1d, d1to7, d7to30, gt30d); ' +
          'filters: state, kind, assignee, bank, region',
        params: TahapParams,
        querystring: ExceptionFilters,
        response: { 200: ExceptionAgeing, ...staffErrors },
      },
    },
    async (request) => ctx.store.exceptionAgeing(request.params.tahap, request.query, ctx.now()),
  );
}

function exportCsvRoute(app: FastifyInstance, ctx: ContextWith<ReconStore & KpmLookupStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/export.csv',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary:
          'CSV of one KPM or withdrawal category with evidence columns (terminal, STAN, local date, times, set, ' +
          'reversal, bank row file/line/reference); formula-safe, no personal data',
        params: TahapParams,
        querystring: z.strictObject({ ...Filter, category: z.union([KpmCategory, WithdrawalCategory]) }),
      },
    },
    async (request, reply) => {
      const { category, ...filter } = request.query;
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${request.params.tahap}-${category}.csv"`);
      return reply.send(Readable.from(exportCsv(ctx.store, request.params.tahap, category, filter)));
    },
  );
}

function reconciliationsRoute(app: FastifyInstance, ctx: ContextWith<ReconStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/reconciliations',
    {
      config: viewer,
      schema: { tags: ['staff'], summary: 'Stored full-recompute results, newest first', params: TahapParams },
    },
    async (request) => ctx.store.reconResults(request.params.tahap, 20),
  );
}

function agentsRoute(app: FastifyInstance, ctx: ContextWith<AgentStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/agents',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary: 'Enrolled agents with status and flags',
        querystring: z.strictObject({
          after: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request) => {
      const page = await ctx.store.listAgents(request.query);
      return { items: page.items.map(({ lookupKey: _secret, ...agent }) => agent), next: page.next };
    },
  );
}

function auditRoute(app: FastifyInstance, ctx: ContextWith<ExceptionAuditStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['staff'],
        summary: 'The append-only audit log',
        querystring: z.strictObject({
          after: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request) => ctx.store.audit(request.query),
  );
}

export function staffReportRoutes(ctx: GatewayContext) {
  return (app: FastifyInstance): Promise<void> => {
    summaryRoute(app, ctx);
    categoryRoutes(app, ctx);
    settlementsRoute(app, ctx);
    exceptionsRoute(app, ctx);
    exportCsvRoute(app, ctx);
    reconciliationsRoute(app, ctx);
    agentsRoute(app, ctx);
    auditRoute(app, ctx);
    return Promise.resolve();
  };
}
