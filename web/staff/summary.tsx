/**
 * Ringkasan tahap: the identity disbursed = withdrawn + unclaimed + failed + returned at a
 * glance, per bank, by category, as charts and tables; every figure opens the KPMs or
 * withdrawals behind it.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { count, rupiah } from '../shared/format.ts';
import type { Counters, Summary } from './api.ts';
import { BarChart } from './chart.tsx';
import { UnclaimedByRegion } from './regions.tsx';
import { WithdrawalsPerDay } from './days.tsx';
import { categoryLabel, useApp } from './context.ts';
import { Drill, type DrillTarget, type Filter } from './drill.tsx';
import { useLoad } from './hooks.ts';
import { banks, kpmCategories, withdrawalCategories, type StaffTextKey } from './text.ts';

const identityParts = [
  { key: 'withdrawn', categories: ['matched', 'partial', 'overdrawn'] },
  { key: 'unclaimed', categories: ['unclaimed', 'partial'] },
  { key: 'failed', categories: ['no_disbursement'] },
  { key: 'returned', categories: ['no_disbursement'] },
] as const;
const colors = { withdrawn: '#1f6f43', unclaimed: '#c17d11', failed: '#a3262a', returned: '#5b4a9e' };

/**
 * One figure by its readable path, as the gateway names differences and CSV columns: a scalar
 * (`withdrawn`), `kpm.<category>.count|credited` or `w.<category>.count|amount`.
 */
function n(c: Counters | undefined, path: string): number {
  const [head = '', category = '', field = ''] = path.split('.');
  const group =
    head === 'kpm' && category !== '' ? c?.kpmByCategory : head === 'w' ? c?.withdrawalsByCategory : undefined;
  const value = group === undefined ? c?.[path] : typeof group === 'object' ? group[category]?.[field] : undefined;
  return typeof value === 'number' ? value : 0;
}

function Identity({ summary, pick }: { summary: Summary; pick: (target: DrillTarget) => void }) {
  const { t } = useApp();
  const c = summary.counters;
  return (
    <section class="panel" aria-labelledby="identity-title" data-testid="identity">
      <h2 id="identity-title">{t('identity')}</h2>
      <p class={summary.balanced ? 'badge ok' : 'badge bad'} data-testid="balanced">
        {summary.balanced ? t('balanced') : t('unbalanced')}
      </p>
      <div class="identity">
        <button type="button" class="figure" onClick={() => pick({ title: t('disbursed'), categories: kpmCategories })}>
          <span>{t('disbursed')}</span>
          <strong>{rupiah(n(c, 'disbursed'))}</strong>
          <small>
            {count(n(c, 'kpm'))} {t('kpmCount')}
          </small>
        </button>
        <span class="op" aria-hidden="true">
          =
        </span>
        {identityParts.map((part, i) => (
          <Fragment key={part.key}>
            {i > 0 && (
              <span class="op" aria-hidden="true">
                +
              </span>
            )}
            <button
              type="button"
              class={`figure ${part.key}`}
              data-testid={`figure-${part.key}`}
              onClick={() => pick({ title: t(part.key), categories: part.categories })}
            >
              <span>{t(part.key)}</span>
              <strong>{rupiah(n(c, part.key))}</strong>
            </button>
          </Fragment>
        ))}
      </div>
      {n(c, 'overdrawnExcess') > 0 && (
        <p class="warn-text">
          {t('overdrawnExcess')}: {rupiah(n(c, 'overdrawnExcess'))}
        </p>
      )}
    </section>
  );
}

function BankTable({ perBank, setBank }: { perBank: readonly (Summary | undefined)[]; setBank: (b: string) => void }) {
  const { t } = useApp();
  const cols = ['disbursed', 'withdrawn', 'unclaimed', 'failed', 'returned'] as const;
  return (
    <section class="panel" aria-labelledby="banks-title">
      <h2 id="banks-title">{t('perBank')}</h2>
      <div class="table-wrap">
        <table data-testid="bank-table">
          <thead>
            <tr>
              <th scope="col">{t('bank')}</th>
              {cols.map((k) => (
                <th scope="col" class="num" key={k}>
                  {t(k)}
                </th>
              ))}
              <th scope="col">{t('status')}</th>
            </tr>
          </thead>
          <tbody>
            {banks.map((bank, i) => (
              <tr key={bank}>
                <th scope="row">
                  <button type="button" class="link-button" onClick={() => setBank(bank)}>
                    {bank}
                  </button>
                </th>
                {cols.map((k) => (
                  <td class="num" key={k}>
                    {rupiah(n(perBank[i]?.counters, k))}
                  </td>
                ))}
                <td>{perBank[i] === undefined ? '…' : perBank[i].balanced ? '✓' : t('unbalanced')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CategoryTable(props: { kind: 'kpm' | 'w'; counters: Counters; pick: (target: DrillTarget) => void }) {
  const { t } = useApp();
  const cats = props.kind === 'kpm' ? kpmCategories : withdrawalCategories;
  const money = props.kind === 'kpm' ? 'credited' : 'amount';
  const title: StaffTextKey = props.kind === 'kpm' ? 'kpmCategories' : 'withdrawalCategories';
  return (
    <section class="panel" aria-labelledby={`${props.kind}-cats`}>
      <h2 id={`${props.kind}-cats`}>{t(title)}</h2>
      <div class="table-wrap">
        <table data-testid={`${props.kind}-categories`}>
          <thead>
            <tr>
              <th scope="col">{t('category')}</th>
              <th scope="col" class="num">
                {t('count')}
              </th>
              <th scope="col" class="num">
                {t(money)}
              </th>
            </tr>
          </thead>
          <tbody>
            {cats.map((cat) => (
              <tr key={cat}>
                <th scope="row">
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => props.pick({ title: categoryLabel(t, cat), categories: [cat] })}
                  >
                    {categoryLabel(t, cat)}
                  </button>
                </th>
                <td class="num">{count(n(props.counters, `${props.kind}.${cat}.count`))}</td>
                <td class="num">{rupiah(n(props.counters, `${props.kind}.${cat}.${money}`))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Charts({
  summary,
  perBank,
  pick,
}: {
  summary: Summary;
  perBank: readonly (Summary | undefined)[];
  pick: (t: DrillTarget) => void;
}) {
  const { t } = useApp();
  const c = summary.counters;
  const kpmLabels = kpmCategories.map((k) => categoryLabel(t, k));
  const wLabels = withdrawalCategories.map((k) => categoryLabel(t, k));
  return (
    <div class="charts">
      <BarChart
        testId="chart-categories"
        title={t('chartCategories')}
        labels={kpmLabels}
        money={false}
        series={[{ label: t('kpmCount'), values: kpmCategories.map((k) => n(c, `kpm.${k}.count`)), color: '#1f6f43' }]}
        onPick={(i) => pick({ title: kpmLabels[i] ?? '', categories: [kpmCategories[i]!] })}
      />
      <BarChart
        testId="chart-banks"
        title={t('chartBanks')}
        labels={[...banks]}
        money
        stacked
        series={identityParts.map((p) => ({
          label: t(p.key),
          values: perBank.map((s) => n(s?.counters, p.key)),
          color: colors[p.key],
        }))}
      />
      <BarChart
        testId="chart-withdrawals"
        title={t('chartWithdrawals')}
        labels={wLabels}
        money
        series={[
          { label: t('amount'), values: withdrawalCategories.map((k) => n(c, `w.${k}.amount`)), color: '#1a56db' },
        ]}
        onPick={(i) => pick({ title: wLabels[i] ?? '', categories: [withdrawalCategories[i]!] })}
      />
    </div>
  );
}

export function FilterBar({
  filter,
  tahaps,
  onChange,
}: {
  filter: Filter;
  tahaps: readonly string[];
  onChange: (f: Filter) => void;
}) {
  const { t } = useApp();
  const [region, setRegion] = useState(filter.region);
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...filter, region: region.trim() });
      }}
    >
      <label>
        {t('tahap')}
        <select value={filter.tahap} onChange={(e) => onChange({ ...filter, tahap: e.currentTarget.value })}>
          {tahaps.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
      </label>
      <label>
        {t('bank')}
        <select value={filter.bank} onChange={(e) => onChange({ ...filter, bank: e.currentTarget.value })}>
          <option value="">{t('allBanks')}</option>
          {banks.map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </label>
      <label>
        {t('region')}
        <input
          value={region}
          inputMode="numeric"
          pattern="[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10}"
          title={t('regionHelp')}
          onInput={(e) => setRegion(e.currentTarget.value)}
        />
      </label>
      <button type="submit">{t('apply')}</button>
    </form>
  );
}

export function SummaryScreen({
  filter,
  tahaps,
  setFilter,
}: {
  filter: Filter;
  tahaps: readonly string[];
  setFilter: (f: Filter) => void;
}) {
  const { t, api } = useApp();
  const [drill, setDrill] = useState<DrillTarget | undefined>(undefined);
  const q = { bank: filter.bank, region: filter.region };
  const path = `/tahap/${filter.tahap}/summary`;
  const summary = useLoad(() => api.get<Summary>(path, q), [path, filter.bank, filter.region]);
  const perBank = useLoad(
    () => Promise.all(banks.map((bank) => api.get<Summary>(path, { bank, region: filter.region }))),
    [path, filter.region],
  );
  return (
    <>
      <h1>
        {t('navSummary')} {filter.tahap}
      </h1>
      <FilterBar key={filter.region} filter={filter} tahaps={tahaps} onChange={setFilter} />
      {summary.data === undefined ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <Identity summary={summary.data} pick={setDrill} />
          {drill !== undefined && <Drill target={drill} filter={filter} onClose={() => setDrill(undefined)} />}
          <BankTable perBank={perBank.data ?? []} setBank={(bank) => setFilter({ ...filter, bank })} />
          <Charts summary={summary.data} perBank={perBank.data ?? []} pick={setDrill} />
          <UnclaimedByRegion filter={filter} setFilter={setFilter} />
          <WithdrawalsPerDay filter={filter} />
          <div class="two">
            <CategoryTable kind="kpm" counters={summary.data.counters} pick={setDrill} />
            <CategoryTable kind="w" counters={summary.data.counters} pick={setDrill} />
          </div>
        </>
      )}
    </>
  );
}
