/**
 * Drill-down: the KPMs or withdrawals behind a figure, one category at a time, paged on the
 * server (the list grows by "load more", never by loading everything), with its CSV.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { rupiah } from '../shared/format.ts';
import type { Page, PositionView, WithdrawalView } from './api.ts';
import { categoryLabel, useApp } from './context.ts';
import { usePaged } from './hooks.ts';
import { PagedTable, ShownCount } from './paged-table.tsx';
import { kpmCategories } from './text.ts';

export interface DrillTarget {
  readonly title: string;
  readonly categories: readonly string[];
}

export interface Filter {
  readonly tahap: string;
  readonly bank: string;
  readonly region: string;
}

export const pageSize = 50;

function isKpm(category: string): boolean {
  return (kpmCategories as readonly string[]).includes(category);
}

function KpmRows({ items }: { items: readonly PositionView[] }) {
  return (
    <>
      {items.map((p) => (
        <tr key={p.kpmId}>
          <td>{p.kpmId}</td>
          <td>{p.bank}</td>
          <td>{p.regionCode}</td>
          <td class="num">{rupiah(p.credited)}</td>
          <td class="num">{rupiah(p.withdrawn)}</td>
          <td class="num">{rupiah(p.unclaimed)}</td>
          <td class="num">{rupiah(p.failed + p.returned)}</td>
        </tr>
      ))}
    </>
  );
}

/** Withdrawal rows; with `category`, a column naming each one's category before the amount. */
export function WithdrawalRows({ items, category = false }: { items: readonly WithdrawalView[]; category?: boolean }) {
  const { t } = useApp();
  return (
    <>
      {items.map((w) => (
        <tr key={`${w.agentId}/${w.seq}/${w.hash}`}>
          <td>{w.kpmId}</td>
          <td>{w.agentId}</td>
          <td class="num">{w.seq}</td>
          <td>{w.bank}</td>
          <td>{w.regionCode}</td>
          {category && <td>{categoryLabel(t, w.category)}</td>}
          <td class="num">{rupiah(w.amount)}</td>
        </tr>
      ))}
    </>
  );
}

function CategoryList({ category, filter }: { category: string; filter: Filter }) {
  const { t, api, fail } = useApp();
  const kpm = isKpm(category);
  const query = { category, bank: filter.bank, region: filter.region, limit: pageSize };
  const path = `/tahap/${filter.tahap}/${kpm ? 'positions' : 'withdrawals'}`;
  const list = usePaged(
    (after) => api.get<Page<PositionView | WithdrawalView>>(path, { ...query, after }),
    [path, category, filter.bank, filter.region],
  );
  const heads = kpm
    ? [t('kpm'), t('bank'), t('region'), t('credited'), t('withdrawn'), t('unclaimed'), t('failed')]
    : [t('kpm'), t('agent'), t('seq'), t('bank'), t('region'), t('amount')];
  const csv = (): void =>
    void api
      .download(
        `/tahap/${filter.tahap}/export.csv`,
        { category, bank: filter.bank, region: filter.region },
        `${filter.tahap}-${category}.csv`,
      )
      .catch(fail);
  return (
    <div data-testid={`drill-${category}`}>
      <div class="row">
        <button type="button" onClick={csv}>
          {t('exportCsv')}
        </button>
        <span class="muted" aria-live="polite">
          <ShownCount list={list} />
        </span>
      </div>
      <PagedTable heads={heads} list={list}>
        {kpm ? (
          <KpmRows items={list.items as PositionView[]} />
        ) : (
          <WithdrawalRows items={list.items as WithdrawalView[]} />
        )}
      </PagedTable>
    </div>
  );
}

export function Drill({ target, filter, onClose }: { target: DrillTarget; filter: Filter; onClose: () => void }) {
  const { t } = useApp();
  const [active, setActive] = useState(target.categories[0] ?? '');
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setActive(target.categories[0] ?? '');
    heading.current?.focus();
  }, [target]);
  return (
    <section class="panel drill" aria-labelledby="drill-title" data-testid="drill">
      <div class="row spread">
        <h2 id="drill-title" tabIndex={-1} ref={heading}>
          {t('drillTitle')}: {target.title}
        </h2>
        <button type="button" onClick={onClose}>
          {t('close')}
        </button>
      </div>
      {target.categories.length > 1 && (
        <div class="tabs" role="group" aria-label={t('category')}>
          {target.categories.map((c) => (
            <button type="button" key={c} aria-pressed={c === active} onClick={() => setActive(c)}>
              {categoryLabel(t, c)}
            </button>
          ))}
        </div>
      )}
      {active !== '' && <CategoryList key={active} category={active} filter={filter} />}
    </section>
  );
}
