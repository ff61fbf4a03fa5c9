/**
 * The page language: Bahasa Indonesia first, English on request, remembered in the browser
 * (localStorage) and reflected in <html lang> so screen readers pronounce the text correctly.
 */
import { useState } from 'preact/hooks';
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

/**
 * The page language and a setter that stores the choice at once, in the click that makes it. An effect
 * would store it after the next paint, and a tab closed before then kept the old language (seen in CI: the
 * page closed right after switching back to Bahasa Indonesia and the next page opened in English).
 */
export function useLang(): [Lang, (lang: Lang) => void] {
  const [lang, setLang] = useState<Lang>(() => {
    const first = initialLang();
    document.documentElement.lang = first;
    return first;
  });
  const choose = (next: Lang): void => {
    saveLang(next);
    setLang(next);
  };
  return [lang, choose];
}
