/**
 * A seeded, reproducible KPM population. Each KPM is a pure function of (seed, index), so a
 * population of any size can be streamed (iteratePopulation holds one KPM at a time) or a single
 * KPM rebuilt on demand (kpmAt), and the same seed always gives the same people, cards and PINs.
 */
import type { Bank } from '../../gateway/import/index.ts';
import { checkNik, checkPan, checkRegionCode, luhnCheckDigit } from '../../gateway/import/index.ts';
import { mixSeed, tag, createPrng, type Prng } from '../common/prng.ts';
import {
  components as allComponents,
  componentRupiahPerTahap,
  componentsPerFamilyMax,
  familyNames,
  givenNamesFemale,
  givenNamesMale,
  kksIinByBank,
  kksLengthByBank,
  nameSuffixes,
  regencies,
  singleComponents,
  type Component,
} from './reference-data.ts';

export const populationSizeMax = 20_000_000;
const allBanks: readonly Bank[] = ['BRI', 'BNI', 'BTN', 'MANDIRI'];

export interface PopulationOptions {
  readonly seed: number;
  readonly size: number;
  /** Banks KPMs are spread over (uniformly). Default: all four. */
  readonly banks?: readonly Bank[];
  /** Regency codes (4 digits, e.g. 3273) KPMs live in. Default: the built-in list. */
  readonly regions?: readonly string[];
}

export interface KksCard {
  readonly pan: string;
  /** 6 digits, derived from the seed; only the terminal simulator's cards know it. */
  readonly pin: string;
}

export interface Kpm {
  readonly index: number;
  readonly kpmId: string;
  readonly nik: string;
  readonly name: string;
  readonly sex: 'F' | 'M';
  readonly bank: Bank;
  /** 10-digit village code. */
  readonly regionCode: string;
  readonly card: KksCard;
  /** 1 to 4 components; the family's aid per tahap is the sum of their quarter-year amounts. */
  readonly components: readonly Component[];
  readonly rupiahPerTahap: number;
}

function checkOptions(options: PopulationOptions): void {
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`Cannot generate a population: expected an integer seed, found ${options.seed}`);
  if (!Number.isSafeInteger(options.size) || options.size < 0 || options.size > populationSizeMax)
    throw new RangeError(
      `Cannot generate a population: expected a size in 0..${populationSizeMax}, found ${options.size}`,
    );
  if (options.banks !== undefined && options.banks.length === 0)
    throw new RangeError('Cannot generate a population: expected at least one bank');
  for (const region of options.regions ?? []) {
    if (!/^[0-9]{4}$/.test(region) || checkRegionCode(`${region}012001`) !== undefined)
      throw new RangeError(
        `Cannot generate a population: expected 4-digit regency codes with a known province, found ${region}`,
      );
  }
}

function regionCode(rng: Prng, regions: readonly string[] | undefined): string {
  const regency =
    regions !== undefined && regions.length > 0 ? { code: rng.pick(regions), districts: 20 } : rng.pick(regencies);
  const district = String(rng.int(1, regency.districts)).padStart(2, '0');
  // 1001.. are kelurahan (urban), 2001.. are desa (rural).
  const village = String(rng.next() < 0.3 ? rng.int(1001, 1015) : rng.int(2001, 2025));
  return `${regency.code}${district}${village}`;
}

function nik(rng: Prng, region: string, sex: 'F' | 'M'): string {
  const day = rng.int(1, 28) + (sex === 'F' ? 40 : 0);
  const month = rng.int(1, 12);
  const year = rng.int(1950, 2004) % 100;
  const serial = rng.int(1, 9999);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const value = `${region.slice(0, 6)}${pad(day, 2)}${pad(month, 2)}${pad(year, 2)}${pad(serial, 4)}`;
  if (checkNik(value) !== undefined) throw new Error(`Generated NIK is malformed (bug): ${checkNik(value)}`);
  return value;
}

function card(rng: Prng, bank: Bank, index: number): KksCard {
  const iin = kksIinByBank[bank];
  const length = kksLengthByBank[bank];
  // The account part is the index (unique per population) padded, the rest drawn.
  const account = String(index).padStart(9, '0');
  let body = iin + account;
  while (body.length < length - 1) body += String(rng.int(0, 9));
  const pan = body + luhnCheckDigit(body);
  if (checkPan(pan) !== undefined) throw new Error(`Generated KKS number is malformed (bug): ${checkPan(pan)}`);
  const pin = String(rng.int(0, 999_999)).padStart(6, '0');
  return { pan, pin };
}

function familyComponents(rng: Prng): Component[] {
  const count = rng.pick([1, 1, 2, 2, 2, 3, 3, 4]);
  const chosen: Component[] = [];
  while (chosen.length < Math.min(count, componentsPerFamilyMax)) {
    const component = rng.pick(allComponents);
    if (singleComponents.has(component) && chosen.includes(component)) continue;
    chosen.push(component);
  }
  return chosen.sort();
}

function personName(rng: Prng, sex: 'F' | 'M'): string {
  const given = rng.pick(sex === 'F' ? givenNamesFemale : givenNamesMale);
  return `${given} ${rng.pick(familyNames)}${rng.pick(nameSuffixes)}`;
}

/** The KPM at `index` of the population of `options.seed`. */
export function kpmAt(index: number, options: Omit<PopulationOptions, 'size'>): Kpm {
  const rng = createPrng(mixSeed(options.seed, index, tag('kpm')));
  const banks = options.banks ?? allBanks;
  const sex = rng.next() < 0.85 ? 'F' : 'M'; // PKH is usually paid to the mother.
  const bank = rng.pick(banks);
  const region = regionCode(rng, options.regions);
  const familyComponentList = familyComponents(rng);
  return {
    index,
    kpmId: `KPM-${String(index + 1).padStart(10, '0')}`,
    nik: nik(rng, region, sex),
    name: personName(rng, sex),
    sex,
    bank,
    regionCode: region,
    card: card(createPrng(mixSeed(options.seed, index, tag('card'))), bank, index),
    components: familyComponentList,
    rupiahPerTahap: familyComponentList.reduce((sum, c) => sum + componentRupiahPerTahap(c), 0),
  };
}

/** Streams the population, one KPM at a time (for 1M+ sizes). */
export function* iteratePopulation(options: PopulationOptions): Generator<Kpm> {
  checkOptions(options);
  for (let index = 0; index < options.size; index++) yield kpmAt(index, options);
}

/** The whole population in memory (fine up to a few hundred thousand). */
export function generatePopulation(options: PopulationOptions): Kpm[] {
  return [...iteratePopulation(options)];
}

/** PAN and PIN of each KPM, for the terminal simulator's KKS cards. */
export function* kksCards(
  options: PopulationOptions,
): Generator<{ readonly kpmId: string; readonly bank: Bank; readonly pan: string; readonly pin: string }> {
  for (const kpm of iteratePopulation(options))
    yield { kpmId: kpm.kpmId, bank: kpm.bank, pan: kpm.card.pan, pin: kpm.card.pin };
}
