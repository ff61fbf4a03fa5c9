/** Ekspor: every category list of the tahap as CSV, with the current bank and region filter. */
import type { Filter } from './drill.tsx';
import { categoryLabel, useApp } from './context.ts';
import { FilterBar } from './summary.tsx';
import { kpmCategories, withdrawalCategories } from './text.ts';

export function ExportScreen(props: { filter: Filter; tahaps: readonly string[]; setFilter: (f: Filter) => void }) {
  const { t, api, fail, notify } = useApp();
  const { filter } = props;
  const download = (category: string): void => {
    const name = [filter.tahap, category, filter.bank, filter.region].filter((x) => x !== '').join('-') + '.csv';
    api
      .download(`/tahap/${filter.tahap}/export.csv`, { category, bank: filter.bank, region: filter.region }, name)
      .then(() => notify(`${t('done')}: ${name}`), fail);
  };
  const group = (title: string, cats: readonly string[]) => (
    <section class="panel">
      <h2>{title}</h2>
      <ul class="export-list">
        {cats.map((c) => (
          <li key={c}>
            <span>{categoryLabel(t, c)}</span>
            <button type="button" data-testid={`export-${c}`} onClick={() => download(c)}>
              {t('exportCsv')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
  return (
    <>
      <h1>{t('exportTitle')}</h1>
      <p>{t('exportHelp')}</p>
      <FilterBar filter={filter} tahaps={props.tahaps} onChange={props.setFilter} />
      <div class="two">
        {group(t('kpmCategories'), kpmCategories)}
        {group(t('withdrawalCategories'), withdrawalCategories)}
      </div>
    </>
  );
}
