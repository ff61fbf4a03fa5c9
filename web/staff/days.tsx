/**
 * Withdrawals per day on Ringkasan tahap: the claimed withdrawals per terminal local date (MMDD)
 * of the tahap, over the bank filter (GET /tahap/{tahap}/withdrawal-days: at most 366 dates), as
 * standing bars over every day of the tahap's quarter (a day with none shows as zero) plus any
 * date outside it an agent reported; a bar opens that date's withdrawals, paged on the server.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { count, rupiah } from '../shared/format.ts';
import type { Page, WithdrawalView } from './api.ts';
import { BarChart } from './chart.tsx';
import { useApp } from './context.ts';
import { pageSize, WithdrawalRows, type Filter } from './drill.tsx';
import { useLoad, usePaged } from './hooks.ts';
import { PagedTable, ShownCount } from './paged-table.tsx';

export interface WithdrawalDay {
  readonly localDate: string;
  readonly count: number;
  readonly amount: number;
}

const quarterStartMonth: Record<string, number> = { I: 1, II: 4, III: 7, IV: 10 };

/** Every MMDD of the tahap's quarter (2026-IV: 1001 .. 1231), in order. */
export function tahapDates(tahap: string): string[] {
  const [yearText = '', quarter = ''] = tahap.split('-');
  const year = Number(yearText);
  const start = quarterStartMonth[quarter] ?? 1;
  const out: string[] = [];
  for (let month = start; month < start + 3; month++) {
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    for (let day = 1; day <= days; day++) out.push(String(month).padStart(2, '0') + String(day).padStart(2, '0'));
  }
  return out;
}

/** Order within a tahap: months from the quarter's first on, a date of an earlier month counts as next year. */
function dateOrder(tahap: string, mmdd: string): number {
  const start = quarterStartMonth[tahap.split('-')[1] ?? ''] ?? 1;
  return ((Number(mmdd.slice(0, 2)) - start + 12) % 12) * 100 + Number(mmdd.slice(2));
}

/** The quarter's days, each with its figures (zero when none), and any reported date outside it, in order. */
export function dayBars(tahap: string, days: readonly WithdrawalDay[]): WithdrawalDay[] {
  const byDate = new Map(days.map((d) => [d.localDate, d]));
  const dates = new Set([...tahapDates(tahap), ...byDate.keys()]);
  return [...dates]
    .sort((a, b) => dateOrder(tahap, a) - dateOrder(tahap, b))
    .map((localDate) => byDate.get(localDate) ?? { localDate, count: 0, amount: 0 });
}

export const dayLabel = (mmdd: string): string => `${mmdd.slice(2)}/${mmdd.slice(0, 2)}`;

function DayList({ localDate, filter, onClose }: { localDate: string; filter: Filter; onClose: () => void }) {
  const { t, api } = useApp();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [localDate]);
  const path = `/tahap/${filter.tahap}/withdrawal-days/${localDate}/withdrawals`;
  const list = usePaged(
    (after) =>
      api.get<Page<WithdrawalView>>(path, { bank: filter.bank, region: filter.region, limit: pageSize, after }),
    [path, filter.bank, filter.region],
  );
  const heads = [t('kpm'), t('agent'), t('seq'), t('bank'), t('region'), t('category'), t('amount')];
  return (
    <section class="panel drill" aria-labelledby="day-title" data-testid="day-drill">
      <div class="row spread">
        <h2 id="day-title" tabIndex={-1} ref={heading}>
          {t('dayTitle')} {dayLabel(localDate)}
        </h2>
        <button type="button" onClick={onClose}>
          {t('close')}
        </button>
      </div>
      <p class="muted" aria-live="polite">
        <ShownCount list={list} />
      </p>
      <PagedTable heads={heads} list={list}>
        <WithdrawalRows items={list.items} category />
      </PagedTable>
    </section>
  );
}

export function WithdrawalsPerDay({ filter }: { filter: Filter }) {
  const { t, api } = useApp();
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const { data } = useLoad(
    () => api.get<{ days: WithdrawalDay[] }>(`/tahap/${filter.tahap}/withdrawal-days`, { bank: filter.bank }),
    [filter.tahap, filter.bank],
  );
  if (data === undefined) return null;
  const bars = dayBars(filter.tahap, data.days);
  const total = data.days.reduce((n, d) => n + d.count, 0);
  return (
    <section class="panel" aria-labelledby="days-title" data-testid="withdrawal-days">
      <h2 id="days-title">{t('chartDays')}</h2>
      <p class="muted">{t('daysHelp')}</p>
      <p data-testid="days-total">
        {count(total)} {t('daysTotal')} {count(data.days.length)} {t('days')} ·{' '}
        {rupiah(data.days.reduce((n, d) => n + d.amount, 0))}
      </p>
      <div class="charts days">
        <BarChart
          testId="chart-days"
          title={t('chartDays')}
          labels={bars.map((d) => dayLabel(d.localDate))}
          money
          vertical
          series={[{ label: t('amount'), values: bars.map((d) => d.amount), color: '#1a56db' }]}
          onPick={(i) => setPicked(bars[i]?.localDate)}
        />
      </div>
      {picked !== undefined && <DayList localDate={picked} filter={filter} onClose={() => setPicked(undefined)} />}
    </section>
  );
}
