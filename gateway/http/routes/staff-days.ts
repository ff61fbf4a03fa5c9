/**
 * Staff read routes for the withdrawals-per-day chart (Ringkasan tahap): the tahap's claimed
 * withdrawals per terminal local date (MMDD, at most withdrawalDaysPerBankMax of them), and the
 * withdrawals of one date, paginated (the chart's drill-down).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Bank, LocalDate, Tahap } from '../../../protocol/messages/schemas.ts';
import { withdrawalDaysPerBankMax } from '../../recon/counters.ts';
import type { ReconStore } from '../../store/types.ts';
import type { ContextWith } from '../context.ts';
import { PageQuery, WithdrawalView, pageOf, staffErrors } from './staff-schemas.ts';

export const WithdrawalDay = z.object({
  localDate: LocalDate,
  count: z.number().int(),
  amount: z.number().int(),
});

export const WithdrawalDays = z.object({
  tahap: z.string(),
  filter: z.object({ bank: z.string().optional() }),
  /** One per local date with any claimed withdrawal, in MMDD order. */
  days: z.array(WithdrawalDay).max(withdrawalDaysPerBankMax),
});

export const DayWithdrawalView = WithdrawalView.extend({ localDate: LocalDate });

const viewer = { role: 'viewer' as const };

export function staffDayRoutes(ctx: ContextWith<ReconStore>) {
  return (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/tahap/:tahap/withdrawal-days',
      {
        config: viewer,
        schema: {
          tags: ['staff'],
          summary:
            'Claimed withdrawals (all but reversed and fault) per terminal local date (MMDD), count and rupiah;' +
            ' filter: bank (the KPM’s)',
          params: z.strictObject({ tahap: Tahap }),
          querystring: z.strictObject({ bank: Bank.optional() }),
          response: { 200: WithdrawalDays, ...staffErrors },
        },
      },
      async (request) => {
        const { tahap } = request.params;
        return { tahap, filter: request.query, days: [...(await ctx.store.withdrawalDays(tahap, request.query))] };
      },
    );
    r.get(
      '/tahap/:tahap/withdrawal-days/:localDate/withdrawals',
      {
        config: viewer,
        schema: {
          tags: ['staff'],
          summary: 'The claimed withdrawals of one local date, paginated (filters: bank, region prefix)',
          params: z.strictObject({ tahap: Tahap, localDate: LocalDate }),
          querystring: PageQuery,
          response: { 200: pageOf(DayWithdrawalView), ...staffErrors },
        },
      },
      async (request) => ctx.store.dayWithdrawals(request.params.tahap, request.params.localDate, request.query),
    );
    return Promise.resolve();
  };
}
