/**
 * Unclaimed by region: the rupiah not yet drawn per region one level below the region filter
 * (province, then regency, district, village), largest first; a bar narrows the filter to that
 * region. Read from GET /tahap/{tahap}/regions (the tahap counters per region prefix).
 */
import { BarChart } from './chart.tsx';
import type { Counters, Page } from './api.ts';
import { useApp } from './context.ts';
import type { Filter } from './drill.tsx';
import { useLoad } from './hooks.ts';

/** Most regions shown as bars (the table view shows the same). */
export const regionBarsMax = 15;
const nextLevel: Record<number, number> = { 0: 2, 2: 4, 4: 6, 6: 10, 10: 10 };

export function UnclaimedByRegion({ filter, setFilter }: { filter: Filter; setFilter: (f: Filter) => void }) {
  const { t, api } = useApp();
  const digits = nextLevel[filter.region.length] ?? 2;
  const { data } = useLoad(
    () =>
      api.get<Page<{ region: string; counters: Counters }>>(`/tahap/${filter.tahap}/regions`, {
        digits,
        bank: filter.bank,
        region: filter.region,
        limit: 1000,
      }),
    [filter.tahap, filter.bank, filter.region],
  );
  if (data === undefined) return null;
  const top = data.items
    .map((r) => ({ region: r.region, unclaimed: Number(r.counters.unclaimed ?? 0) }))
    .filter((r) => r.unclaimed > 0)
    .sort((a, b) => b.unclaimed - a.unclaimed || (a.region < b.region ? -1 : 1))
    .slice(0, regionBarsMax);
  if (top.length === 0) return null;
  return (
    <div class="charts">
      <BarChart
        testId="chart-unclaimed-regions"
        title={t('chartUnclaimedRegions')}
        labels={top.map((r) => r.region)}
        money
        series={[{ label: t('unclaimed'), values: top.map((r) => r.unclaimed), color: '#b45309' }]}
        onPick={(i) => {
          const region = top[i]?.region;
          if (region !== undefined && region !== filter.region) setFilter({ ...filter, region });
        }}
      />
    </div>
  );
}
