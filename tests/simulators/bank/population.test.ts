import { describe, expect, it } from 'vitest';
import { checkNik, luhnValid } from '../../../gateway/import/index.ts';
import {
  componentRupiahPerYear,
  componentsPerFamilyMax,
  generatePopulation,
  kksCards,
  kksIinByBank,
  kksLengthByBank,
  kpmAt,
  mixSeed,
  createPrng,
} from '../../../simulators/bank/index.ts';

describe('createPrng()', () => {
  it('gives the same stream for the same seed and a different one for the next seed', () => {
    const draw = (seed: number): number[] => {
      const rng = createPrng(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });

  it('draws integers within bounds, roughly uniformly', () => {
    const rng = createPrng(99);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 50_000; i++) counts[rng.int(0, 9)]!++;
    for (const count of counts) expect(Math.abs(count - 5000)).toBeLessThan(400);
  });
});

describe('generatePopulation()', () => {
  const population = generatePopulation({ seed: 2026, size: 3000 });

  it('is reproducible: same seed, same people; another seed, other people', () => {
    expect(generatePopulation({ seed: 2026, size: 3000 })).toEqual(population);
    expect(kpmAt(1234, { seed: 2026 })).toEqual(population[1234]);
    expect(generatePopulation({ seed: 2027, size: 50 }).map((k) => k.nik)).not.toEqual(
      population.slice(0, 50).map((k) => k.nik),
    );
  });

  it('issues Luhn-valid KKS numbers with the bank IIN and length, unique across the population', () => {
    for (const kpm of population) {
      expect(luhnValid(kpm.card.pan)).toBe(true);
      expect(kpm.card.pan.startsWith(kksIinByBank[kpm.bank])).toBe(true);
      expect(kpm.card.pan).toHaveLength(kksLengthByBank[kpm.bank]);
      expect(kpm.card.pin).toMatch(/^[0-9]{6}$/);
    }
    expect(new Set(population.map((k) => k.card.pan)).size).toBe(population.length);
    expect(new Set(population.map((k) => k.bank))).toEqual(new Set(['BRI', 'BNI', 'BTN', 'MANDIRI']));
  });

  it('builds each NIK from the region, the birth date (+40 on the day for women) and a serial', () => {
    for (const kpm of population) {
      expect(checkNik(kpm.nik)).toBeUndefined();
      expect(kpm.nik.slice(0, 6)).toBe(kpm.regionCode.slice(0, 6));
      const day = Number(kpm.nik.slice(6, 8));
      if (kpm.sex === 'F') expect(day).toBeGreaterThan(40);
      else expect(day).toBeLessThanOrEqual(31);
    }
  });

  it('pays each family a quarter of its components per year, with 1 to 4 components', () => {
    for (const kpm of population) {
      expect(kpm.components.length).toBeGreaterThanOrEqual(1);
      expect(kpm.components.length).toBeLessThanOrEqual(componentsPerFamilyMax);
      expect(kpm.rupiahPerTahap).toBe(kpm.components.reduce((sum, c) => sum + componentRupiahPerYear[c] / 4, 0));
      expect(Number.isInteger(kpm.rupiahPerTahap)).toBe(true);
    }
    expect(Math.max(...population.map((k) => k.rupiahPerTahap))).toBeLessThanOrEqual(3_000_000);
  });

  it('keeps to the requested banks and regencies', () => {
    const few = generatePopulation({ seed: 5, size: 200, banks: ['BTN'], regions: ['3273', '7371'] });
    expect(new Set(few.map((k) => k.bank))).toEqual(new Set(['BTN']));
    for (const kpm of few) expect(['3273', '7371']).toContain(kpm.regionCode.slice(0, 4));
    expect(() => generatePopulation({ seed: 5, size: 1, regions: ['9999'] })).toThrow(/known province/);
  });

  it('gives the terminal simulator each KPM card PAN and PIN', () => {
    const cards = [...kksCards({ seed: 2026, size: 5 })];
    expect(cards).toEqual(
      population.slice(0, 5).map((k) => ({ kpmId: k.kpmId, bank: k.bank, pan: k.card.pan, pin: k.card.pin })),
    );
  });
});
