/** What every screen of the staff app shares: words, the signed-in API, the role, the alert region. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang } from '../shared/format.ts';
import type { Api, Me } from './api.ts';
import type { StaffTextKey } from './text.ts';

export interface AppContext {
  readonly lang: Lang;
  readonly t: (key: StaffTextKey) => string;
  readonly api: Api;
  readonly me: Me;
  /** Shows an error in the aria-live alert region. */
  readonly fail: (error: unknown) => void;
  /** Shows a confirmation in the polite live region. */
  readonly notify: (text: string) => void;
}

export const App = createContext<AppContext | undefined>(undefined);

export function useApp(): AppContext {
  const ctx = useContext(App);
  if (ctx === undefined) throw new Error('useApp() outside the signed-in app');
  return ctx;
}

/** Label of a category code, falling back to the code itself for one the app does not know yet. */
export function categoryLabel(t: AppContext['t'], category: string): string {
  try {
    return t(`cat_${category}` as StaffTextKey) ?? category;
  } catch {
    return category;
  }
}
