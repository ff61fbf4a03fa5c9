/** Loading data from the staff API into a component, with errors sent to the alert region. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Page } from './api.ts';
import { useApp } from './context.ts';

export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): { data: T | undefined; reload: () => void } {
  const { fail } = useApp();
  const [data, setData] = useState<T | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setData(undefined);
    load().then(
      (value) => live && setData(value),
      (error: unknown) => live && fail(error),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, reload: useCallback(() => setTick((n) => n + 1), []) };
}

/** A server-paged list: the first page on change of deps, then "load more" follows `next`. */
export function usePaged<T>(
  loadPage: (after: string | undefined) => Promise<Page<T>>,
  deps: readonly unknown[],
): { items: readonly T[]; next: string | undefined; loading: boolean; more: () => void; reload: () => void } {
  const { fail } = useApp();
  const [state, setState] = useState<{ items: readonly T[]; next: string | undefined; loading: boolean }>({
    items: [],
    next: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const fetchPage = (after: string | undefined, keep: readonly T[], live: () => boolean): void => {
    setState({ items: keep, next: after, loading: true });
    loadPage(after).then(
      (page) => live() && setState({ items: [...keep, ...page.items], next: page.next, loading: false }),
      (error: unknown) => {
        if (!live()) return;
        setState({ items: keep, next: undefined, loading: false });
        fail(error);
      },
    );
  };
  useEffect(() => {
    let live = true;
    fetchPage(undefined, [], () => live);
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return {
    ...state,
    more: () => state.next !== undefined && fetchPage(state.next, state.items, () => true),
    reload: () => setTick((n) => n + 1),
  };
}
