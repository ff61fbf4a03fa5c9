import { describe, expect, it } from 'vitest';
import { parseRupiah } from '../../../simulators/terminal/index.ts';

describe('parseRupiah() reads an amount the Indonesian way', () => {
  it.each([
    ['Rp 700.000', 700_000],
    ['Rp700.000', 700_000],
    ['rp. 700.000', 700_000],
    ['700.000', 700_000],
    ['700000', 700_000],
    ['  1.250.000  ', 1_250_000],
    ['700.000,-', 700_000],
    ['Rp 700.000,00', 700_000],
    ['1.000.000.000', 1_000_000_000],
    ['5', 5],
  ])('%j is Rp %d', (typed, amount) => {
    expect(parseRupiah(typed)).toEqual({ ok: true, amount });
  });

  it.each([
    ['700.000,50', /sen/],
    ['7.00.000', /titik sebagai pemisah ribuan/],
    ['700.00', /titik sebagai pemisah ribuan/],
    ['700 000', /titik sebagai pemisah ribuan/],
    ['Rp', /titik sebagai pemisah ribuan/],
    ['-700.000', /titik sebagai pemisah ribuan/],
    ['1.000.000.001', /antara Rp 1 dan Rp 1\.000\.000\.000/],
    ['0', /antara Rp 1/],
    ['tujuh ratus ribu', /angka/],
  ])('%j is refused with a reason in Bahasa Indonesia and English', (typed, reason) => {
    const parsed = parseRupiah(typed);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason.id).toMatch(reason);
    expect(parsed.reason.en).toMatch(/[a-z]/);
  });
});
