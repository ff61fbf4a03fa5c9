/**
 * Built-in layouts, modelled on what Himbara penyaluran exports look like (the column names are
 * ours: the banks' real formats are not public). They differ where real exports differ: the
 * delimiter (comma vs the semicolon of Indonesian-locale spreadsheets), column names and order,
 * amount notation (750000 vs Rp 750.000), date notation and status vocabulary.
 */
import type { Bank } from '../types.ts';
import { validateLayout, type LayoutSpec } from '../layout.ts';

export const briV1 = validateLayout(
  {
    id: 'bri-v1',
    description: 'BRI: comma-separated, plain integer amounts, ISO dates, BERHASIL/GAGAL/RETUR',
    delimiter: ',',
    header: [
      'NO',
      'ID_KPM',
      'NIK',
      'NAMA',
      'NO_KKS',
      'KODE_WILAYAH',
      'NOMINAL',
      'STATUS',
      'REF_TRANSAKSI',
      'TGL_SALUR',
    ],
    columns: {
      rowNumber: 'NO',
      kpmId: 'ID_KPM',
      nik: 'NIK',
      name: 'NAMA',
      pan: 'NO_KKS',
      regionCode: 'KODE_WILAYAH',
      amount: 'NOMINAL',
      status: 'STATUS',
      reference: 'REF_TRANSAKSI',
      date: 'TGL_SALUR',
    },
    amountFormat: 'integer',
    dateFormat: 'YYYY-MM-DD',
    statusWords: {
      credited: ['BERHASIL', 'SUKSES'],
      failed: ['GAGAL', 'GAGAL TRANSFER'],
      returned: ['RETUR', 'RETUR KAS NEGARA'],
    },
  },
  'built-in bri-v1',
);

export const bniV1 = validateLayout(
  {
    id: 'bni-v1',
    description: 'BNI: semicolon-separated, Rp 750.000 amounts, DD/MM/YYYY dates, tahap and bank columns',
    delimiter: ';',
    header: [
      'TAHAP',
      'BANK',
      'NO_REKENING_KKS',
      'NAMA_PENERIMA',
      'NIK_PENERIMA',
      'IDKPM',
      'KODE_DESA',
      'NILAI_BANTUAN',
      'KETERANGAN',
      'TANGGAL_PROSES',
      'NO_REFERENSI',
    ],
    columns: {
      tahap: 'TAHAP',
      bank: 'BANK',
      pan: 'NO_REKENING_KKS',
      name: 'NAMA_PENERIMA',
      nik: 'NIK_PENERIMA',
      kpmId: 'IDKPM',
      regionCode: 'KODE_DESA',
      amount: 'NILAI_BANTUAN',
      status: 'KETERANGAN',
      date: 'TANGGAL_PROSES',
      reference: 'NO_REFERENSI',
    },
    amountFormat: 'id-thousands',
    amountCurrencyPrefix: true,
    dateFormat: 'DD/MM/YYYY',
    statusWords: {
      credited: ['SUKSES', 'BERHASIL'],
      failed: ['GAGAL TRANSFER', 'GAGAL'],
      returned: ['RETUR KAS NEGARA', 'RETUR'],
    },
  },
  'built-in bni-v1',
);

export const genericV1 = validateLayout(
  {
    id: 'generic-v1',
    description:
      'Himbara generic (BTN, Mandiri): pipe-separated, lower-case English names, integer amounts, YYYYMMDD dates',
    delimiter: '|',
    header: [
      'bank',
      'tahap',
      'reference',
      'kpm_id',
      'nik',
      'card_number',
      'name',
      'region_code',
      'amount',
      'status',
      'value_date',
    ],
    columns: {
      bank: 'bank',
      tahap: 'tahap',
      reference: 'reference',
      kpmId: 'kpm_id',
      nik: 'nik',
      pan: 'card_number',
      name: 'name',
      regionCode: 'region_code',
      amount: 'amount',
      status: 'status',
      date: 'value_date',
    },
    amountFormat: 'integer',
    dateFormat: 'YYYYMMDD',
    statusWords: { credited: ['CREDITED'], failed: ['FAILED'], returned: ['RETURNED'] },
  },
  'built-in generic-v1',
);

export const builtinLayouts: ReadonlyMap<string, LayoutSpec> = new Map(
  [briV1, bniV1, genericV1].map((layout) => [layout.id, layout]),
);

export const defaultLayoutByBank: Readonly<Record<Bank, string>> = Object.freeze({
  BRI: 'bri-v1',
  BNI: 'bni-v1',
  BTN: 'generic-v1',
  MANDIRI: 'generic-v1',
});
