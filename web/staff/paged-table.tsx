/**
 * A server-paged table (usePaged): its column heads, the rows the caller renders, and the paging
 * state below it (loading, nothing found, "load more"). ShownCount is the "N shown · end" line.
 */
import type { ComponentChildren } from 'preact';
import { count } from '../shared/format.ts';
import { useApp } from './context.ts';

export interface PagedState {
  readonly items: readonly unknown[];
  readonly next: string | undefined;
  readonly loading: boolean;
  readonly more: () => void;
}

export function ShownCount({ list }: { list: PagedState }) {
  const { t } = useApp();
  return (
    <>
      {count(list.items.length)} {t('shown')}
      {list.next === undefined && !list.loading ? ` · ${t('end')}` : ''}
    </>
  );
}

export function PagedTable({
  heads,
  list,
  children,
}: {
  heads: readonly string[];
  list: PagedState;
  children: ComponentChildren;
}) {
  const { t } = useApp();
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              {heads.map((h) => (
                <th scope="col" key={h}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
      {list.loading && <p>{t('loading')}</p>}
      {!list.loading && list.items.length === 0 && <p>{t('nothing')}</p>}
      {list.next !== undefined && !list.loading && (
        <button type="button" onClick={list.more}>
          {t('more')}
        </button>
      )}
    </>
  );
}
