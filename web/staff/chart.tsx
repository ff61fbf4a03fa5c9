/**
 * A bar chart (Chart.js, only the parts a bar chart needs, bundled) with the same figures as a
 * table behind a toggle: a canvas says nothing to a screen reader, the table does. Clicking a
 * bar drills down like the table's row label (a button, so the keyboard reaches it) does.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { count, rupiah } from '../shared/format.ts';
import { useApp } from './context.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
}

export interface BarChartProps {
  readonly title: string;
  readonly labels: readonly string[];
  readonly series: readonly Series[];
  readonly money: boolean;
  readonly stacked?: boolean;
  /** Bars standing up (a time axis: one bar per day) instead of lying down (categories). */
  readonly vertical?: boolean;
  readonly onPick?: (index: number) => void;
  readonly testId: string;
}

function ChartTable({ labels, series, money, onPick }: Pick<BarChartProps, 'labels' | 'series' | 'money' | 'onPick'>) {
  const format = money ? rupiah : count;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col"></th>
            {series.map((s) => (
              <th scope="col" key={s.label} class="num">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            <tr key={label}>
              <th scope="row">
                {onPick === undefined ? (
                  label
                ) : (
                  <button type="button" class="link-button" onClick={() => onPick(i)}>
                    {label}
                  </button>
                )}
              </th>
              {series.map((s) => (
                <td key={s.label} class="num">
                  {format(s.values[i] ?? 0)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const horizontalScales = (stacked: boolean) => ({
  x: { stacked, ticks: { callback: (v: string | number) => count(Number(v)) } },
  y: { stacked },
});
const verticalScales = { y: { ticks: { callback: (v: string | number) => count(Number(v)) } } };

export function BarChart(props: BarChartProps) {
  const { t } = useApp();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [asTable, setAsTable] = useState(false);
  useEffect(() => {
    if (asTable || canvas.current === null) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: [...props.labels],
        datasets: props.series.map((s) => ({ label: s.label, data: [...s.values], backgroundColor: s.color })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: props.vertical === true ? 'x' : 'y',
        scales: props.vertical === true ? verticalScales : horizontalScales(props.stacked === true),
        plugins: { legend: { display: props.series.length > 1 } },
        onClick: (_event, elements) => {
          const first = elements[0];
          if (first !== undefined) props.onPick?.(first.index);
        },
      },
    });
    return () => chart.destroy();
  }, [asTable, props.labels.join('|'), props.series.map((s) => s.values.join(',')).join('|')]);
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>
        <span>{props.title}</span>
        <button type="button" class="link-button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {t('showTable')}
        </button>
      </figcaption>
      {asTable ? (
        <ChartTable labels={props.labels} series={props.series} money={props.money} onPick={props.onPick} />
      ) : (
        <div class="chart-box">
          <canvas ref={canvas} role="img" aria-label={props.title} />
        </div>
      )}
    </figure>
  );
}
