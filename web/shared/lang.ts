/**
 * The page language: Bahasa Indonesia first, English on request, remembered in the browser
 * (localStorage) and reflected in <html lang> so screen readers pronounce the text correctly.
 */
import type { Lang } from './format.ts';

const storageKey = 'edc.lang';

export function initialLang(): Lang {
  try {
    return localStorage.getItem(storageKey) === 'en' ? 'en' : 'id';
  } catch {
    return 'id';
  }
}

export function saveLang(lang: Lang): void {
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Storage may be disabled (private mode): the choice then lasts for this page only.
  }
}
