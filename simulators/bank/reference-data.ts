/**
 * Reference figures and lists the population is drawn from.
 * PKH amounts: /work/shared/reference/pkh.json (components per year as widely reported since
 * 2020; a tahap pays a quarter of it; at most 4 components count per family).
 */
import type { Bank } from '../../gateway/import/index.ts';

export type Component =
  'ibu_hamil_nifas' | 'anak_usia_dini' | 'sd' | 'smp' | 'sma' | 'disabilitas_berat' | 'lanjut_usia_70';

export const componentRupiahPerYear: Readonly<Record<Component, number>> = Object.freeze({
  ibu_hamil_nifas: 3_000_000,
  anak_usia_dini: 3_000_000,
  sd: 900_000,
  smp: 1_500_000,
  sma: 2_000_000,
  disabilitas_berat: 2_400_000,
  lanjut_usia_70: 2_400_000,
});

export const tahapPerYear = 4;
export const componentsPerFamilyMax = 4;
export const components = Object.keys(componentRupiahPerYear) as Component[];
/** Components a family can hold once only (one pregnant mother, one elder, one severe disability counted). */
export const singleComponents: ReadonlySet<Component> = new Set([
  'ibu_hamil_nifas',
  'disabilitas_berat',
  'lanjut_usia_70',
]);

export function componentRupiahPerTahap(component: Component): number {
  return componentRupiahPerYear[component] / tahapPerYear;
}

export const tahapMonths: Readonly<Record<string, readonly [number, number, number]>> = Object.freeze({
  I: [1, 2, 3],
  II: [4, 5, 6],
  III: [7, 8, 9],
  IV: [10, 11, 12],
});

/**
 * KKS card prefixes (IIN, 6 digits) per bank. FICTITIOUS: invented for the simulator, chosen in
 * the 6xxxxx range and not taken from any real issuer table; never use them against a real switch.
 */
export const kksIinByBank: Readonly<Record<Bank, string>> = Object.freeze({
  BRI: '603298',
  BNI: '603215',
  BTN: '603247',
  MANDIRI: '603261',
});

/** KKS number length per bank (all within 16-19). */
export const kksLengthByBank: Readonly<Record<Bank, number>> = Object.freeze({
  BRI: 16,
  BNI: 16,
  BTN: 18,
  MANDIRI: 19,
});

/**
 * Regencies/cities (province + regency code, Kemendagri) with how many districts the simulator
 * spreads villages over. Codes are real; district and village numbers are drawn.
 */
export const regencies: readonly { readonly code: string; readonly name: string; readonly districts: number }[] = [
  { code: '1101', name: 'Kab. Simeulue', districts: 10 },
  { code: '1271', name: 'Kota Medan', districts: 21 },
  { code: '1671', name: 'Kota Palembang', districts: 18 },
  { code: '3201', name: 'Kab. Bogor', districts: 40 },
  { code: '3273', name: 'Kota Bandung', districts: 30 },
  { code: '3374', name: 'Kota Semarang', districts: 16 },
  { code: '3404', name: 'Kab. Sleman', districts: 17 },
  { code: '3578', name: 'Kota Surabaya', districts: 31 },
  { code: '5171', name: 'Kota Denpasar', districts: 4 },
  { code: '5303', name: 'Kab. Timor Tengah Selatan', districts: 32 },
  { code: '6371', name: 'Kota Banjarmasin', districts: 5 },
  { code: '7371', name: 'Kota Makassar', districts: 15 },
  { code: '8171', name: 'Kota Ambon', districts: 5 },
  { code: '9471', name: 'Kota Jayapura', districts: 5 },
];

export const givenNamesFemale: readonly string[] = [
  'SITI',
  'NUR',
  'DEWI',
  'SRI',
  'AMINAH',
  'RATNA',
  'WULAN',
  'YULIANTI',
  'FITRI',
  'RINA',
  'MARIA',
  'NI KADEK',
  'ENDANG',
  'SUMARNI',
  'LESTARI',
  'FATIMAH',
];
export const givenNamesMale: readonly string[] = [
  'AHMAD',
  'MUHAMMAD',
  'BUDI',
  'AGUS',
  'SLAMET',
  'JOKO',
  'HENDRA',
  'RUDI',
  'YOHANES',
  'I WAYAN',
  'ANDI',
  'SUPRIYADI',
  'DEDI',
  'ABDUL',
];
export const familyNames: readonly string[] = [
  'SAPUTRA',
  'HIDAYAT',
  'SETIAWAN',
  'NASUTION',
  'SIREGAR',
  'WIJAYA',
  'KURNIAWAN',
  'LUBIS',
  'PRATAMA',
  'RAHAYU',
  'SUSANTO',
  'HARAHAP',
  "O'NEIL",
  'DAENG MASIGA',
  'SIMANJUNTAK',
  'WATI',
];
/** Suffixes as they appear in bank records, some with a comma so that quoting is exercised. */
export const nameSuffixes: readonly string[] = [
  '',
  '',
  '',
  '',
  '',
  '',
  ', S.PD',
  ', A.MD',
  ' BIN SALEH',
  ' BINTI ARIF',
  ' "UCOK"',
];
