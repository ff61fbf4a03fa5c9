/** Page text as pairs: each key maps to its Bahasa Indonesia and English text (no DOM here, so tests read it too). */
import type { Lang } from './format.ts';

export type Dictionary<K extends string> = Readonly<Record<K, readonly [id: string, en: string]>>;

export function translator<K extends string>(dictionary: Dictionary<K>, lang: Lang): (key: K) => string {
  return (key) => dictionary[key][lang === 'id' ? 0 : 1];
}
