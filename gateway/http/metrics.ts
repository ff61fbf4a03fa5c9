/**
 * Prometheus text exposition (version 0.0.4) of counters the gateway keeps itself: no client
 * library, because the set is small and fixed. Labels are bounded (codes, categories, routes),
 * never agent or KPM ids, so the series count cannot grow with traffic.
 */
export const durationBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const seriesMax = 1000;

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

export class Metrics {
  readonly #counters = new Map<string, { help: string; series: Map<string, number> }>();
  readonly #histograms = new Map<string, Histogram>();

  constructor() {
    this.define('edc_gateway_uploads_total', 'Upload requests by outcome');
    this.define('edc_gateway_entries_accepted_total', 'Ledger entries stored for the first time');
    this.define('edc_gateway_entries_duplicate_total', 'Ledger entries acknowledged again (same id and hash)');
    this.define('edc_gateway_forks_total', 'Uploads refused as a fork (evidence kept)');
    this.define('edc_gateway_errors_total', 'Error responses by code');
    this.define('edc_gateway_entitlement_sets_total', 'Entitlement sets issued');
  }

  define(name: string, help: string): void {
    if (!this.#counters.has(name)) this.#counters.set(name, { help, series: new Map() });
  }

  inc(name: string, labels: Readonly<Record<string, string>> = {}, by = 1): void {
    const counter = this.#counters.get(name);
    if (counter === undefined) throw new Error(`metric ${name} is not defined`);
    const key = labelText(labels);
    if (!counter.series.has(key) && counter.series.size >= seriesMax) return;
    counter.series.set(key, (counter.series.get(key) ?? 0) + by);
  }

  observeDuration(route: string, method: string, status: number, seconds: number): void {
    const key = labelText({ route, method, status: String(status) });
    let h = this.#histograms.get(key);
    if (h === undefined) {
      if (this.#histograms.size >= seriesMax) return;
      h = { buckets: durationBucketsSeconds.map(() => 0), sum: 0, count: 0 };
      this.#histograms.set(key, h);
    }
    durationBucketsSeconds.forEach((le, i) => {
      if (seconds <= le) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.#counters.get(name)?.series.get(labelText(labels)) ?? 0;
  }

  text(): string {
    const lines: string[] = [];
    for (const [name, counter] of this.#counters) {
      lines.push(`# HELP ${name} ${counter.help}`, `# TYPE ${name} counter`);
      for (const [labels, v] of counter.series) lines.push(`${name}${labels} ${v}`);
    }
    const name = 'edc_gateway_request_duration_seconds';
    lines.push(`# HELP ${name} Request durations by route, method and status`, `# TYPE ${name} histogram`);
    for (const [labels, h] of this.#histograms) {
      const inner = labels.slice(1, -1);
      durationBucketsSeconds.forEach((le, i) => lines.push(`${name}_bucket{${inner},le="${le}"} ${h.buckets[i] ?? 0}`));
      lines.push(
        `${name}_bucket{${inner},le="+Inf"} ${h.count}`,
        `${name}_sum${labels} ${h.sum}`,
        `${name}_count${labels} ${h.count}`,
      );
    }
    return lines.join('\n') + '\n';
  }
}
