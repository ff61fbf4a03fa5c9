/** Bank simulator: a seeded KPM population and the banks' disbursement files for it. */
export {
  generatePopulation,
  iteratePopulation,
  kpmAt,
  kksCards,
  populationSizeMax,
  type Kpm,
  type KksCard,
  type PopulationOptions,
} from './population.ts';
export {
  writeDisbursementFile,
  disbursementRecords,
  writeRecords,
  layoutFields,
  headerFields,
  csvField,
  type DisbursementFileOptions,
  type DisbursementRecord,
} from './disbursement-file.ts';
export { createPrng, mixSeed, tag, type Prng } from '../common/prng.ts';
export {
  componentRupiahPerYear,
  componentRupiahPerTahap,
  componentsPerFamilyMax,
  kksIinByBank,
  kksLengthByBank,
  regencies,
  type Component,
} from './reference-data.ts';
