/**
 * Complaint look-up (pengaduan): a KPM by NIK, KKS card number or KPM id, and its whole record.
 * The searched value travels in the body (the request audit keeps params and query, never a
 * body), and each look-up writes its own audit record naming what was searched by and the KPM
 * found, never the NIK or card number. Personal data (name, NIK, card's last 4) only for
 * reconcilers and admins; a viewer gets the record without it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KpmId } from '../../../protocol/messages/schemas.ts';
import { ERR_NOT_FOUND } from '../../errors.ts';
import type { ExceptionAuditStore, KpmLookupStore } from '../../store/types.ts';
import type { ContextWith } from '../context.ts';
import { ExceptionView, PositionView, WithdrawalView, staffErrors } from './staff-schemas.ts';

export const KpmLookup = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('kpmId'), value: KpmId }),
  z.strictObject({ by: z.literal('nik'), value: z.string().regex(/^[0-9]{16}$/, 'expected a 16-digit NIK') }),
  z.strictObject({
    by: z.literal('kks'),
    value: z.string().regex(/^[0-9]{16,19}$/, 'expected a KKS card number of 16 to 19 digits'),
  }),
]);

const KpmTahap = z.object({
  tahap: z.string(),
  position: PositionView,
  rows: z.array(
    z.object({
      bank: z.string(),
      reference: z.string(),
      fileSha256: z.string(),
      line: z.number().int(),
      amount: z.number(),
      status: z.enum(['credited', 'failed', 'returned', 'redisbursed']),
      regionCode: z.string(),
    }),
  ),
  withdrawals: z.array(
    WithdrawalView.extend({
      id: z.string(),
      terminalId: z.string(),
      stan: z.string(),
      localDate: z.string(),
      at: z.number(),
      receivedAt: z.number(),
      setId: z.string().optional(),
    }),
  ),
  reversals: z.array(
    z.object({
      agentId: z.string(),
      seq: z.number().int(),
      reverses: z.string(),
      reversesSeq: z.number().int(),
      amount: z.number(),
      source: z.enum(['chain', 'fork', 'tampered']),
    }),
  ),
  exceptions: z.array(ExceptionView),
});

export const KpmDossier = z.object({
  kpmId: z.string(),
  by: z.enum(['kpmId', 'nik', 'kks']),
  tahaps: z.array(KpmTahap),
  personal: z.object({ name: z.string(), nik: z.string(), cardsLast4: z.array(z.string()) }).optional(),
});

/** What a look-up's own audit record says: never the searched NIK or card number. */
function lookupAudit(by: string, kpmId: string | undefined, personal: boolean) {
  return { by, found: kpmId ?? null, personal };
}

export function staffKpmRoutes(ctx: ContextWith<KpmLookupStore & ExceptionAuditStore>) {
  return (app: FastifyInstance): Promise<void> => {
    app.withTypeProvider<ZodTypeProvider>().post(
      '/kpm/lookup',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['staff'],
          summary:
            'Complaint look-up: a KPM by NIK, KKS card number or KPM id, with its rows, withdrawals, reversals ' +
            'and exceptions in every tahap; name and NIK for reconcilers and admins only; audited',
          body: KpmLookup,
          response: { 200: KpmDossier, ...staffErrors },
        },
      },
      async (request) => {
        const { by, value } = request.body;
        const staff = request.staff!;
        const personal = staff.role !== 'viewer';
        const kpmId = by === 'kpmId' ? value : await ctx.store.findKpm(by, value);
        const dossier = kpmId === undefined ? undefined : await ctx.store.kpmDossier(kpmId, { personal });
        await ctx.store.appendAudit({
          at: ctx.now(),
          actor: staff.name,
          action: 'kpm.lookup',
          details: lookupAudit(by, dossier?.kpmId, personal),
        });
        if (dossier === undefined)
          throw new ERR_NOT_FOUND(`Cannot find a KPM by ${by}: expected one with a position, found none`, { by });
        return {
          kpmId: dossier.kpmId,
          by,
          tahaps: dossier.tahaps.map((t) => ({
            ...t,
            rows: [...t.rows],
            withdrawals: t.withdrawals.map((w) => ({ ...w, setId: w.setId })),
            reversals: [...t.reversals],
            exceptions: [...t.exceptions],
          })),
          personal:
            dossier.personal === undefined
              ? undefined
              : { ...dossier.personal, cardsLast4: [...dossier.personal.cardsLast4] },
        };
      },
    );
    return Promise.resolve();
  };
}
