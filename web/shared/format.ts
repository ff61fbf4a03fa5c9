/**
 * Formatting shared by the pages: amounts as the field writes them ("Rp 750.000": dot as the
 * thousands separator, no decimals), dates as 22/11/2026 14:05 in a given UTC offset (WIB +7
 * unless the page knows better), durations in words a shop keeper reads at a glance.
 */
export type Lang = 'id' | 'en';

export function rupiah(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}Rp ${String(Math.trunc(Math.abs(amount))).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

export function count(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

const wib = 7 * 60;

/** "22/11/2026 14:05" in the zone `offsetMinutes` east of UTC; '-' for null. */
export function dateTime(at: number | null | undefined, offsetMinutes = wib): string {
  if (at === null || at === undefined) return '-';
  const local = new Date(at + offsetMinutes * 60_000).toISOString();
  return `${local.slice(8, 10)}/${local.slice(5, 7)}/${local.slice(0, 4)} ${local.slice(11, 16)}`;
}

/** "3 menit", "2 jam 5 menit", "4 hari" (or English). */
export function duration(ms: number | null | undefined, lang: Lang): string {
  if (ms === null || ms === undefined) return '-';
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const words =
    lang === 'id'
      ? { m: 'menit', h: 'jam', d: 'hari', now: 'baru saja' }
      : { m: 'min', h: 'h', d: 'days', now: 'just now' };
  if (minutes < 1) return words.now;
  if (minutes < 60) return `${minutes} ${words.m}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} ${words.h} ${minutes % 60} ${words.m}`;
  return `${Math.floor(hours / 24)} ${words.d}`;
}
