/**
 * Conformance, failed credits (gagal transfer, issue 12): a failed bank row re-validated and
 * re-disbursed (a new credit linked to it), another returned to the treasury (retur). After every
 * step the identity holds, nothing is counted twice, and reconcile agrees with the continuous
 * figures; refused steps change nothing. Held through the interfaces alone, on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { FailedCreditId, GatewayStore } from '../../../gateway/store/types.ts';
import { row, tahap } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';

const file = { fileSha256: 'a'.repeat(64), now: 1 };
const bankRows = () => [
  row('KPM-0001', 500_000),
  row('KPM-0002', 300_000, { status: 'failed', reference: 'BRI-F2', line: 3 }),
  row('KPM-0003', 200_000, { status: 'failed', reference: 'BRI-F3', line: 4 }),
];
const f2: FailedCreditId = { tahap, kpmId: 'KPM-0002', bank: 'BRI', reference: 'BRI-F2' };
const f3: FailedCreditId = { tahap, kpmId: 'KPM-0003', bank: 'BRI', reference: 'BRI-F3' };

export function describeFailedCreditConformance(name: string, open: StoreFactory): void {
  describe(`${name}: failed credits (gagal transfer and retur)`, () => {
    let h: StoreHandle;
    const store = (): GatewayStore => h.store;

    beforeEach(async () => {
      h = await open({ keys: generateGatewayKeys(), tahapClosesAt: {}, nonceEntriesMax: 10 });
      await store().applyDisbursements(bankRows(), file);
    });
    afterEach(async () => h.destroy());

    async function figures(expected: { credited: number; failed: number; returned: number }) {
      const sum = await store().summary(tahap, {});
      expect(sum).toMatchObject({ ...expected, disbursed: 1_000_000 });
      expect(sum.disbursed).toBe(sum.withdrawn + sum.unclaimed + sum.failed + sum.returned);
      const recon = await store().reconcile(tahap, 50);
      expect(recon.agree).toBe(true);
      expect(recon.totals).toEqual(sum);
    }
    const states = async () =>
      (await store().failedCredits(tahap, { limit: 10 })).items.map((x) => [x.kpmId, x.state, x.newReference]);
    const step = (id: FailedCreditId, action: 'revalidate' | 'redisburse' | 'return', extra = {}) =>
      store().stepFailedCredit(id, { action, actor: 'rina', now: 5, note: `catatan ${action}`, ...extra });

    it('lists failed rows, re-disburses one and returns the other, the figures following each step', async () => {
      expect(await states()).toEqual([
        ['KPM-0002', 'failed', undefined],
        ['KPM-0003', 'failed', undefined],
      ]);
      await figures({ credited: 500_000, failed: 500_000, returned: 0 });

      const revalidated = await step(f2, 'revalidate');
      expect(revalidated).toMatchObject({ state: 'revalidated', amount: 300_000, line: 3 });
      await figures({ credited: 500_000, failed: 500_000, returned: 0 });

      const redisbursed = await step(f2, 'redisburse', { newReference: 'BRI-R2' });
      expect(redisbursed).toMatchObject({ state: 'redisbursed', newReference: 'BRI-R2' });
      expect(redisbursed.history.map((e) => [e.from, e.to, e.actor, e.note])).toEqual([
        ['failed', 'revalidated', 'rina', 'catatan revalidate'],
        ['revalidated', 'redisbursed', 'rina', 'catatan redisburse'],
      ]);
      // The amount moved from failed to credited: disbursed still counts it once.
      await figures({ credited: 800_000, failed: 200_000, returned: 0 });
      const dossier = await store().kpmDossier('KPM-0002', { personal: false });
      expect(dossier!.tahaps[0]!.rows.map((r) => [r.reference, r.status, r.amount])).toEqual([
        ['BRI-F2', 'redisbursed', 300_000],
        ['BRI-R2', 'credited', 300_000],
      ]);
      expect(dossier!.tahaps[0]!.position).toMatchObject({ category: 'unclaimed', credited: 300_000, failed: 0 });

      await step(f3, 'return');
      await figures({ credited: 800_000, failed: 0, returned: 200_000 });
      expect(await states()).toEqual([
        ['KPM-0002', 'redisbursed', 'BRI-R2'],
        ['KPM-0003', 'returned', undefined],
      ]);
      const audit = (await store().audit({ limit: 10 })).items;
      expect(audit.map((a) => [a.action, a.actor, a.details['kpmId'], a.details['to']])).toEqual([
        ['failedCredit.revalidate', 'rina', 'KPM-0002', 'revalidated'],
        ['failedCredit.redisburse', 'rina', 'KPM-0002', 'redisbursed'],
        ['failedCredit.return', 'rina', 'KPM-0003', 'returned'],
      ]);

      // The bank's files again, and the bank's own file carrying the new credit: duplicates only.
      const again = await store().applyDisbursements(
        [...bankRows(), row('KPM-0002', 300_000, { reference: 'BRI-R2', line: 3 })],
        { ...file, now: 9 },
      );
      expect(again).toMatchObject({ accepted: 0, duplicates: 4, conflicts: 0 });
      await figures({ credited: 800_000, failed: 0, returned: 200_000 });
    });

    it('refuses steps out of order, a taken reference and non-failed rows, changing nothing', async () => {
      const refused = async (p: Promise<unknown>, code: string) => {
        await expect(p).rejects.toMatchObject({ code });
        await figures({ credited: 500_000, failed: 500_000, returned: 0 });
        expect(await states()).toEqual([
          ['KPM-0002', 'failed', undefined],
          ['KPM-0003', 'failed', undefined],
        ]);
      };
      await refused(step(f2, 'redisburse', { newReference: 'BRI-R2' }), 'EDC_ERR_FAILED_CREDIT_TRANSITION');
      await refused(step({ ...f2, reference: 'REF-KPM-0001', kpmId: 'KPM-0001' }, 'return'), 'EDC_ERR_NOT_FOUND');
      await refused(step({ ...f2, reference: 'NOPE' }, 'revalidate'), 'EDC_ERR_NOT_FOUND');
      expect((await store().audit({ limit: 10 })).items).toEqual([]);

      await step(f2, 'revalidate');
      await expect(step(f2, 'revalidate')).rejects.toMatchObject({ code: 'EDC_ERR_FAILED_CREDIT_TRANSITION' });
      await expect(step(f2, 'redisburse')).rejects.toMatchObject({ code: 'EDC_ERR_FAILED_CREDIT_TRANSITION' });
      await expect(step(f2, 'redisburse', { newReference: 'BRI-F2' })).rejects.toMatchObject({
        code: 'EDC_ERR_FAILED_CREDIT_TRANSITION',
      });
      await step(f2, 'return');
      await expect(step(f2, 'redisburse', { newReference: 'BRI-R2' })).rejects.toMatchObject({
        code: 'EDC_ERR_FAILED_CREDIT_TRANSITION',
      });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
      expect((await store().audit({ limit: 10 })).items).toHaveLength(2);
    });

    // A bank RETUR row names the failed credit by bank, tahap, kpmId and the failed row's reference.
    const returFile = { fileSha256: 'e'.repeat(64), now: 20 };
    const retur = (amount = 300_000) =>
      store().applyDisbursements(
        [row('KPM-0002', amount, { status: 'returned', reference: 'BRI-F2', line: 7 })],
        returFile,
      );
    const history = async () =>
      (await store().failedCredits(tahap, { limit: 10 })).items[0]!.history.map((e) => [e.action, e.actor, e.to]);

    it('bank retur after gagal transfer: returned once; a reconciler retur after it is refused (coded)', async () => {
      expect(await retur()).toMatchObject({ accepted: 1, duplicates: 0, conflicts: 0 });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
      expect(await history()).toEqual([['bank_return', 'bank', 'returned']]);
      await expect(step(f2, 'return')).rejects.toMatchObject({
        code: 'EDC_ERR_FAILED_CREDIT_TRANSITION',
        message: expect.stringContaining('returned by the bank'),
      });
      await expect(step(f2, 'revalidate')).rejects.toMatchObject({ code: 'EDC_ERR_FAILED_CREDIT_TRANSITION' });
      expect(await retur()).toMatchObject({ accepted: 0, duplicates: 1, conflicts: 0 });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
      const dossier = await store().kpmDossier('KPM-0002', { personal: false });
      expect(dossier!.tahaps[0]!.rows.map((r) => [r.reference, r.status])).toEqual([['BRI-F2', 'returned']]);
    });

    it('reconciler retur, then the bank retur confirms it: counted once; again a duplicate', async () => {
      await step(f2, 'return');
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
      expect(await retur()).toMatchObject({ accepted: 1, duplicates: 0, conflicts: 0 });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
      expect(await history()).toEqual([
        ['return', 'rina', 'returned'],
        ['bank_return', 'bank', 'returned'],
      ]);
      expect(await retur()).toMatchObject({ accepted: 0, duplicates: 1, conflicts: 0 });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
    });

    it('re-validated, then the bank retur: returned once; no re-disbursement after it', async () => {
      await step(f2, 'revalidate');
      expect(await retur()).toMatchObject({ accepted: 1, conflicts: 0 });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
      await expect(step(f2, 'redisburse', { newReference: 'BRI-R2' })).rejects.toMatchObject({
        code: 'EDC_ERR_FAILED_CREDIT_TRANSITION',
      });
      await figures({ credited: 500_000, failed: 200_000, returned: 300_000 });
    });

    it('re-disbursed, then a bank retur of the failed row: a conflict for a person, nothing moves', async () => {
      await step(f2, 'revalidate');
      await step(f2, 'redisburse', { newReference: 'BRI-R2' });
      const outcome = await retur();
      expect(outcome).toMatchObject({ accepted: 0, duplicates: 0, conflicts: 1 });
      expect(outcome.conflictList[0]!.reason).toContain('re-disbursed as BRI-R2');
      await figures({ credited: 800_000, failed: 200_000, returned: 0 });
      expect(await history()).toEqual([
        ['revalidate', 'rina', 'revalidated'],
        ['redisburse', 'rina', 'redisbursed'],
      ]);
    });

    it('a bank retur of another amount than the failed row is a conflict, nothing moves', async () => {
      const outcome = await retur(250_000);
      expect(outcome).toMatchObject({ accepted: 0, conflicts: 1 });
      expect(outcome.conflictList[0]!.reason).toMatch(/^amount/);
      await figures({ credited: 500_000, failed: 500_000, returned: 0 });
    });

    it('pages failed credits with a cursor', async () => {
      const first = await store().failedCredits(tahap, { limit: 1 });
      expect(first.items.map((x) => x.kpmId)).toEqual(['KPM-0002']);
      const second = await store().failedCredits(tahap, { limit: 1, after: first.next });
      expect(second.items.map((x) => x.kpmId)).toEqual(['KPM-0003']);
      const third = await store().failedCredits(tahap, { limit: 1, after: second.next });
      expect(third).toEqual({ items: [], next: undefined });
    });
  });
}
