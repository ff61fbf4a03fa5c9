/**
 * An amount as an agent types it on the terminal keypad or a field engineer at the simulator's
 * prompt, in the Indonesian way: `Rp 700.000`, `Rp700.000`, `700.000`, `700000`, `700.000,-` or
 * `700.000,00`. The dot groups thousands (three digits per group, so `7.00.000` is refused rather
 * than guessed at), a comma starts decimals, and rupiah have none here: `,50` is refused. The
 * refusal says what was expected, in Bahasa Indonesia and English, so the prompt can ask again.
 */

/** Largest amount a terminal accepts, rupiah (the scenario file's limit too). */
export const amountRupiahTypedMax = 1_000_000_000;

export type ParsedAmount =
  | { readonly ok: true; readonly amount: number }
  | { readonly ok: false; readonly reason: { readonly id: string; readonly en: string } };

function refuse(id: string, en: string): ParsedAmount {
  return { ok: false, reason: { id, en } };
}

export function parseRupiah(typed: string): ParsedAmount {
  const text = typed
    .trim()
    .replace(/^rp\.?\s*/i, '')
    .replace(/,(-|0+)$/, '');
  if (/,/.test(text))
    return refuse('rupiah tidak memakai sen (contoh: Rp 700.000)', 'rupiah have no cents (e.g. Rp 700.000)');
  if (!/^[0-9]+$/.test(text) && !/^[0-9]{1,3}(\.[0-9]{3})+$/.test(text))
    return refuse(
      'tulis angka saja, titik sebagai pemisah ribuan (contoh: Rp 700.000 atau 700000)',
      'digits only, a dot between thousands (e.g. Rp 700.000 or 700000)',
    );
  const amount = Number(text.replaceAll('.', ''));
  if (amount < 1 || amount > amountRupiahTypedMax)
    return refuse(
      `jumlah harus antara Rp 1 dan Rp 1.000.000.000, tertulis ${typed.trim()}`,
      `the amount must be between Rp 1 and Rp 1.000.000.000, found ${typed.trim()}`,
    );
  return { ok: true, amount };
}
