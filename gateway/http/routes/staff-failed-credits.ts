/**
 * Failed credits (gagal transfer) for reconcilers: the tahap's failed bank rows with their state,
 * and one step at a time (revalidate, redisburse with the new credit's reference, return to the
 * treasury), each audited by the store (`failedCredit.<action>`) with its effect on the figures.
 * The row is named in the body: a bank reference may hold '/', which a path cannot carry.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Bank, KpmId, Tahap } from '../../../protocol/messages/schemas.ts';
import { referencePattern } from '../../import/row.ts';
import type { FailedCreditStore } from '../../store/types.ts';
import type { ContextWith, GatewayContext } from '../context.ts';
import { TahapParams, staffErrors } from './staff-schemas.ts';

const Reference = z.string().regex(referencePattern, 'expected a bank reference of 1-64 of A-Z, a-z, 0-9 and / _ . -');
const State = z.enum(['failed', 'revalidated', 'redisbursed', 'returned']);
const Action = z.enum(['revalidate', 'redisburse', 'return']);
const Event = z.object({
  /** bank_return: a bank RETUR row of the credit (gateway/import/README.md), never a step. */
  action: z.enum([...Action.options, 'bank_return']),
  from: State,
  to: State,
  actor: z.string(),
  at: z.number(),
  note: z.string(),
  newReference: z.string().optional(),
  fileSha256: z.string().optional(),
  line: z.number().optional(),
});
const FailedCredit = z.object({
  tahap: Tahap,
  kpmId: z.string(),
  bank: z.string(),
  reference: z.string(),
  regionCode: z.string(),
  amount: z.number(),
  line: z.number(),
  fileSha256: z.string(),
  state: State,
  history: z.array(Event).readonly(),
  newReference: z.string().optional(),
});

function listRoute(app: FastifyInstance, ctx: ContextWith<FailedCreditStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tahap/:tahap/failed-credits',
    {
      config: { role: 'reconciler' },
      schema: {
        tags: ['staff'],
        summary: 'Failed bank rows (gagal transfer) of the tahap with their state and history, paged',
        params: TahapParams,
        querystring: z.strictObject({
          after: z.string().max(400).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({ items: z.array(FailedCredit).readonly(), next: z.string().optional() }),
          ...staffErrors,
        },
      },
    },
    async (request) => {
      const page = await ctx.store.failedCredits(request.params.tahap, request.query);
      return page.next === undefined ? { items: page.items } : { items: page.items, next: page.next };
    },
  );
}

function stepRoute(app: FastifyInstance, ctx: ContextWith<FailedCreditStore>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/tahap/:tahap/failed-credits/step',
    {
      config: { role: 'reconciler' },
      schema: {
        tags: ['staff'],
        summary:
          'One step of a failed credit: failed -> revalidated -> redisbursed (newReference), ' +
          'or failed | revalidated -> returned; a note each time',
        params: TahapParams,
        body: z.strictObject({
          kpmId: KpmId,
          bank: Bank,
          reference: Reference,
          action: Action,
          note: z.string().trim().min(1).max(500),
          newReference: Reference.optional(),
        }),
        response: { 200: FailedCredit, ...staffErrors },
      },
    },
    async (request) => {
      const { kpmId, bank, reference, action, note, newReference } = request.body;
      return ctx.store.stepFailedCredit(
        { tahap: request.params.tahap, kpmId, bank, reference },
        {
          action,
          note,
          actor: request.staff!.name,
          now: ctx.now(),
          ...(newReference === undefined ? {} : { newReference }),
        },
      );
    },
  );
}

export function staffFailedCreditRoutes(ctx: GatewayContext) {
  return (app: FastifyInstance): Promise<void> => {
    listRoute(app, ctx);
    stepRoute(app, ctx);
    return Promise.resolve();
  };
}
