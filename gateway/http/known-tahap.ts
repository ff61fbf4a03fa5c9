/**
 * Whether the gateway knows a tahap: a disbursement file was imported for it, or a withdrawal
 * (or evidence) of it reached a KPM position. A tahap it does not know has all-zero counters, and
 * zero = zero would read "balanced" on a report or green on the dashboard, so every tahap route
 * and the report and reconcile commands refuse it instead (404 EDC_ERR_TAHAP_UNKNOWN).
 *
 * Built on the store's read model (imported files, one position per KPM category, limit 1): a
 * few point reads, no scan.
 */
import { kpmCategories } from '../recon/classify.ts';
import type { DisbursementStore, ReconStore } from '../store/types.ts';

export type KnownTahapStore = Pick<DisbursementStore, 'importedFiles'> & Pick<ReconStore, 'positions'>;
import { ERR_TAHAP_UNKNOWN } from '../errors.ts';

const knownListedMax = 8;

export async function tahapKnown(store: KnownTahapStore, tahap: string): Promise<boolean> {
  if ((await store.importedFiles(tahap)).length > 0) return true;
  for (const category of kpmCategories) {
    if ((await store.positions(tahap, category, { limit: 1 })).items.length > 0) return true;
  }
  return false;
}

/** Throws 404 EDC_ERR_TAHAP_UNKNOWN, naming the tahaps that have imported files. */
export async function assertTahapKnown(store: KnownTahapStore, tahap: string): Promise<void> {
  if (await tahapKnown(store, tahap)) return;
  const imported = [...new Set((await store.importedFiles(undefined)).map((f) => f.tahap))].sort();
  const listed = imported.length === 0 ? 'none' : imported.slice(-knownListedMax).join(', ');
  throw new ERR_TAHAP_UNKNOWN(
    `Tahap ${tahap} tidak dikenal: belum ada berkas penyaluran yang diimpor dan belum ada penarikan untuk tahap ini ` +
      `(tahap dengan berkas: ${listed}) / Unknown tahap ${tahap}: expected a tahap with an imported disbursement ` +
      `file or a withdrawal, found neither (tahaps with files: ${listed})`,
    { tahap, imported: imported.slice(-knownListedMax) },
  );
}
