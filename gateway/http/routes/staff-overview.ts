/**
 * Staff routes the web app needs to find its way: who am I (role decides what the app offers),
 * which tahap have data, and the Agen screen (agents with gateway head, last contact, behind).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agentsOverview } from '../agents-overview.ts';
import type { GatewayContext } from '../context.ts';
import { TahapCounters } from './counter-schemas.ts';
import { Filter, Role, TahapParams, staffErrors } from './staff-schemas.ts';

const viewer = { role: 'viewer' as const };

function meRoute(app: FastifyInstance): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/me',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary: "The calling token's name and role (what the web app offers depends on it)",
        response: { 200: z.object({ name: z.string(), role: Role }), ...staffErrors },
      },
    },
    (request) => ({ name: request.staff!.name, role: request.staff!.role }),
  );
}

const TahapList = z.object({
  items: z.array(z.object({ tahap: z.string(), banks: z.array(z.string()), files: z.number().int() })),
  latest: z.string().nullable(),
});

function tahapListRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary: 'Tahap with imported disbursement files, newest first, and the banks that sent them',
        response: { 200: TahapList, ...staffErrors },
      },
    },
    async () => {
      const byTahap = new Map<string, { banks: Set<string>; files: number }>();
      for (const file of await ctx.store.importedFiles(undefined)) {
        const t = byTahap.get(file.tahap) ?? { banks: new Set<string>(), files: 0 };
        t.banks.add(file.bank);
        t.files += 1;
        byTahap.set(file.tahap, t);
      }
      const items = [...byTahap]
        .map(([tahap, t]) => ({ tahap, banks: [...t.banks].sort(), files: t.files }))
        .sort((a, b) => tahapOrder(b.tahap) - tahapOrder(a.tahap));
      return { items, latest: (await ctx.store.latestTahap()) ?? null };
    },
  );
}

/** 2026-IV -> 20264: tahap sort by year, then quarter. */
function tahapOrder(tahap: string): number {
  const [year = '0', quarter = ''] = tahap.split('-');
  return Number(year) * 10 + ['I', 'II', 'III', 'IV'].indexOf(quarter) + 1;
}

const AgentOverview = z.object({
  agentId: z.string(),
  bank: z.string(),
  regionCode: z.string(),
  status: z.enum(['active', 'revoked']),
  flagged: z.boolean(),
  flags: z.array(z.object({ at: z.number(), kind: z.enum(['fork', 'tampered']), seq: z.number() })).readonly(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
  gatewayHeadSeq: z.number().int(),
  lastContactAt: z.number().nullable(),
  lastUploadAt: z.number().nullable(),
  lastCheckpoint: z
    .object({
      seq: z.number().int(),
      at: z.number(),
      receivedAt: z.number(),
      withdrawn: z.number(),
      reversed: z.number(),
      sender: z.string(),
    })
    .nullable(),
  lastEntitlementAt: z.number().nullable(),
  sync: z.enum(['ok', 'behind', 'unknown']),
  reported: z
    .object({
      at: z.number(),
      headSeq: z.number().int(),
      queued: z.number().int(),
      oldestQueuedAt: z.number().nullable(),
      unsent: z.number().int(),
    })
    .nullable(),
});

function agentsOverviewRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/agents/overview',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary:
          'Agents with the head the gateway holds, their last successful request to this gateway process, ' +
          'and sync: behind when that is older than behindAfterHours (unknown when none since the process started)',
        querystring: z.strictObject({
          after: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          behindAfterHours: z.coerce.number().int().min(1).max(720).default(24),
        }),
        response: { 200: z.object({ items: z.array(AgentOverview), next: z.string().optional() }), ...staffErrors },
      },
    },
    async (request) => {
      const { behindAfterHours, ...page } = request.query;
      const result = await agentsOverview(ctx, { ...page, behindAfterMs: behindAfterHours * 3_600_000 });
      return { items: [...result.items], next: result.next };
    },
  );
}

function regionsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/regions',
    {
      config: viewer,
      schema: {
        tags: ['staff'],
        summary:
          'Tahap counters per region prefix (digits 2, 4, 6 or 10), in prefix order, paged (filters: bank, region)',
        params: TahapParams,
        querystring: z.strictObject({
          ...Filter,
          digits: z.coerce
            .number()
            .pipe(z.union([z.literal(2), z.literal(4), z.literal(6), z.literal(10)]))
            .default(2),
          after: z
            .string()
            .regex(/^[0-9A-Z]{1,10}$/)
            .optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({
            items: z.array(z.object({ region: z.string(), counters: TahapCounters })),
            next: z.string().optional(),
          }),
          ...staffErrors,
        },
      },
    },
    async (request) => {
      const page = await ctx.store.regionSummary(request.params.tahap, request.query);
      return { items: [...page.items], next: page.next };
    },
  );
}

export function staffOverviewRoutes(ctx: GatewayContext) {
  return (app: FastifyInstance): Promise<void> => {
    meRoute(app);
    regionsRoute(app, ctx);
    tahapListRoute(app, ctx);
    agentsOverviewRoute(app, ctx);
    return Promise.resolve();
  };
}
