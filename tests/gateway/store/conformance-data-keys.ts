/**
 * Conformance of the data keys of sealing at rest (DataKeyStore), on both stores: a store's first
 * open holds key 1; a rotation adds the next id, which new seals use; rows sealed under every id
 * open again after a restart (personal data of kpmDossier is the observable opening).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { panOf, row } from '../helpers.ts';
import type { StoreFactory, StoreHandle } from './conformance.ts';

export function describeDataKeyConformance(name: string, open: StoreFactory): void {
  describe(`${name}: data keys of sealing at rest (rotateDataKey, listDataKeys)`, () => {
    let h: StoreHandle;
    const store = (): GatewayStore => h.store;
    beforeEach(async () => {
      h = await open({ keys: generateGatewayKeys(), tahapClosesAt: {}, nonceEntriesMax: 10 });
    });
    afterEach(async () => h.destroy());

    it('a new store holds data key 1, sealing; a restart adds none', async () => {
      const first = await store().listDataKeys();
      expect(first).toEqual([{ keyId: 1, createdAt: expect.any(Number), sealing: true }]);
      await h.restart({ tahapClosesAt: {} });
      expect(await store().listDataKeys()).toEqual(first);
    });

    it('rows sealed before and after rotations open after a restart; the newest key seals', async () => {
      const personal = (kpmId: string, nik: string) => ({
        name: 'SITI AMINAH',
        nik,
        cardsLast4: [panOf(kpmId).slice(-4)],
      });
      await store().applyDisbursements([row('KPM-0001', 100_000, { nik: '3201010101900011' })], {
        fileSha256: 'a'.repeat(64),
        now: 1,
      });
      expect(await store().rotateDataKey(50)).toEqual({ keyId: 2, createdAt: 50, sealing: true });
      expect(await store().rotateDataKey(60)).toEqual({ keyId: 3, createdAt: 60, sealing: true });
      await store().applyDisbursements([row('KPM-0002', 200_000, { nik: '3201010101900022' })], {
        fileSha256: 'b'.repeat(64),
        now: 2,
      });
      await h.restart({ tahapClosesAt: {} });
      expect((await store().listDataKeys()).map((d) => [d.keyId, d.sealing])).toEqual([
        [1, false],
        [2, false],
        [3, true],
      ]);
      expect((await store().kpmDossier('KPM-0001', { personal: true }))!.personal).toEqual(
        personal('KPM-0001', '3201010101900011'),
      );
      expect((await store().kpmDossier('KPM-0002', { personal: true }))!.personal).toEqual(
        personal('KPM-0002', '3201010101900022'),
      );
    });
  });
}
