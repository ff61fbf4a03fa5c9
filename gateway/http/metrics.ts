/**
 * Prometheus metrics through prom-client: one registry per gateway app (tests build many), plus
 * the process metrics (CPU, memory, event loop lag, GC) collected once per process. Labels are
 * bounded: codes, outcomes, routes, banks and fixed age buckets, never an agent or KPM id, and
 * every labelled metric keeps at most seriesMax series (further label sets are dropped).
 *
 * Agent gauges (agents behind per bank, last-sync age buckets) are computed at scrape time by
 * the collector the app installs (`onScrape`), so they are right at the moment they are read.
 */
import client from 'prom-client';

export const durationBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Reconcile and import run for seconds to many minutes on a large tahap. */
export const jobBucketsSeconds = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800];
export const seriesMax = 1000;
/** Age buckets of an agent's last successful contact, in order; `never` = none recorded. */
export const lastSyncAgeBuckets = ['lt_1h', '1h_6h', '6h_24h', '24h_72h', 'ge_72h', 'never'] as const;
export type LastSyncAge = (typeof lastSyncAgeBuckets)[number];

const hourMs = 3_600_000;
export function lastSyncAgeOf(ageMs: number | undefined): LastSyncAge {
  if (ageMs === undefined) return 'never';
  if (ageMs < hourMs) return 'lt_1h';
  if (ageMs < 6 * hourMs) return '1h_6h';
  if (ageMs < 24 * hourMs) return '6h_24h';
  return ageMs < 72 * hourMs ? '24h_72h' : 'ge_72h';
}

/**
 * Depth buckets of the queue an agent last reported (entries it held that the gateway lacks), in
 * order; `none` = no upload of it carried agentStatus. Fixed, so the label stays bounded.
 */
export const reportedQueueBuckets = ['0', '1_9', '10_99', '100_999', '1000_9999', 'ge_10000', 'none'] as const;
export type ReportedQueueBucket = (typeof reportedQueueBuckets)[number];

export function reportedQueueBucketOf(unsent: number | undefined): ReportedQueueBucket {
  if (unsent === undefined) return 'none';
  if (unsent === 0) return '0';
  if (unsent < 10) return '1_9';
  if (unsent < 100) return '10_99';
  if (unsent < 1000) return '100_999';
  return unsent < 10_000 ? '1000_9999' : 'ge_10000';
}

/** Routes whose durations also feed the job histograms. */
const jobRoutes: Readonly<Record<string, string>> = {
  'POST /v1/staff/tahap/:tahap/reconcile': 'reconcile',
  'POST /v1/staff/import/bundle': 'import_bundle',
};

let processRegistry: client.Registry | undefined;
function processMetrics(): client.Registry {
  if (processRegistry === undefined) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry, prefix: 'edc_gateway_' });
  }
  return processRegistry;
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** What the app's scrape collector sets: counts of agents by bank. */
export interface AgentGaugeValues {
  readonly behindByBank: ReadonlyMap<string, number>;
  readonly byLastSync: ReadonlyMap<string, ReadonlyMap<LastSyncAge, number>>;
  readonly flaggedByBank: ReadonlyMap<string, number>;
  /** Active agents per bank by the depth of the queue they last reported. */
  readonly byReportedQueue: ReadonlyMap<string, ReadonlyMap<ReportedQueueBucket, number>>;
  /** Per bank, the sum of the queues active agents last reported (entries). */
  readonly reportedQueueByBank: ReadonlyMap<string, number>;
}

export class Metrics {
  readonly registry = new client.Registry();
  readonly #counters = new Map<string, client.Counter>();
  readonly #series = new Map<string, Set<string>>();
  readonly #requestDuration: client.Histogram;
  readonly #jobDuration: client.Histogram;
  readonly #behind: client.Gauge;
  readonly #lastSync: client.Gauge;
  readonly #flagged: client.Gauge;
  readonly #queueDepth: client.Gauge;
  readonly #queueEntries: client.Gauge;
  #onScrape: (() => Promise<AgentGaugeValues>) | undefined;

  constructor() {
    this.define('edc_gateway_uploads_total', 'Upload requests by outcome', ['outcome']);
    this.define('edc_gateway_entries_accepted_total', 'Ledger entries stored for the first time');
    this.define('edc_gateway_entries_duplicate_total', 'Ledger entries acknowledged again (same id and hash)');
    this.define('edc_gateway_forks_total', 'Uploads refused as a fork (evidence kept)');
    this.define('edc_gateway_errors_total', 'Error responses by code', ['code']);
    this.define('edc_gateway_entitlement_sets_total', 'Entitlement sets issued');
    const registers = [this.registry];
    this.#requestDuration = new client.Histogram({
      name: 'edc_gateway_request_duration_seconds',
      help: 'Request durations by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: durationBucketsSeconds,
      registers,
    });
    this.#jobDuration = new client.Histogram({
      name: 'edc_gateway_job_duration_seconds',
      help: 'Durations of reconcile (full recompute) and bundle import requests that succeeded',
      labelNames: ['job'],
      buckets: jobBucketsSeconds,
      registers,
    });
    this.#behind = new client.Gauge({
      name: 'edc_gateway_agents_behind',
      help: 'Active agents per bank with no successful request for 24 h or more',
      labelNames: ['bank'],
      registers,
    });
    this.#lastSync = new client.Gauge({
      name: 'edc_gateway_agents_last_sync',
      help: "Active agents per bank by the age of their last successful request ('never': none recorded)",
      labelNames: ['bank', 'age'],
      registers,
    });
    this.#flagged = new client.Gauge({
      name: 'edc_gateway_agents_flagged',
      help: 'Agents per bank flagged for a fork or a tampered upload',
      labelNames: ['bank'],
      registers,
    });
    this.#queueDepth = new client.Gauge({
      name: 'edc_gateway_agents_reported_queue',
      help:
        'Active agents per bank by the queue depth they last reported in an upload (entries the gateway lacks; ' +
        "'none': never reported)",
      labelNames: ['bank', 'depth'],
      registers,
    });
    this.#queueEntries = new client.Gauge({
      name: 'edc_gateway_agents_reported_queue_entries',
      help: 'Per bank, the entries active agents last reported holding that the gateway lacks (sum)',
      labelNames: ['bank'],
      registers,
    });
  }

  define(name: string, help: string, labelNames: readonly string[] = []): void {
    if (this.#counters.has(name)) return;
    this.#counters.set(name, new client.Counter({ name, help, labelNames, registers: [this.registry] }));
    this.#series.set(name, new Set());
  }

  /** false when the metric already has seriesMax series and this label set is new (dropped). */
  #admit(name: string, labels: Readonly<Record<string, string>>): boolean {
    let seen = this.#series.get(name);
    if (seen === undefined) this.#series.set(name, (seen = new Set()));
    const key = labelKey(labels);
    if (seen.has(key)) return true;
    if (seen.size >= seriesMax) return false;
    seen.add(key);
    return true;
  }

  inc(name: string, labels: Readonly<Record<string, string>> = {}, by = 1): void {
    const counter = this.#counters.get(name);
    if (counter === undefined) throw new Error(`metric ${name} is not defined`);
    if (by === 0 || !this.#admit(name, labels)) return;
    counter.inc(labels, by);
  }

  observeDuration(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    if (this.#admit('edc_gateway_request_duration_seconds', labels)) this.#requestDuration.observe(labels, seconds);
    const job = jobRoutes[`${method} ${route}`];
    if (job !== undefined && status < 400) this.#jobDuration.observe({ job }, seconds);
  }

  /** The collector run before each scrape (the app's agent gauges). */
  onScrape(collector: () => Promise<AgentGaugeValues>): void {
    this.#onScrape = collector;
  }

  async value(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const metric = await this.#counters.get(name)?.get();
    const want = labelKey(labels);
    return metric?.values.find((v) => labelKey(v.labels as Record<string, string>) === want)?.value ?? 0;
  }

  async #collectAgents(): Promise<void> {
    if (this.#onScrape === undefined) return;
    const values = await this.#onScrape();
    this.#behind.reset();
    this.#lastSync.reset();
    this.#flagged.reset();
    this.#queueDepth.reset();
    this.#queueEntries.reset();
    for (const [bank, depths] of values.byReportedQueue)
      for (const depth of reportedQueueBuckets) this.#queueDepth.set({ bank, depth }, depths.get(depth) ?? 0);
    for (const [bank, n] of values.reportedQueueByBank) this.#queueEntries.set({ bank }, n);
    for (const [bank, n] of values.behindByBank) this.#behind.set({ bank }, n);
    for (const [bank, n] of values.flaggedByBank) this.#flagged.set({ bank }, n);
    for (const [bank, ages] of values.byLastSync)
      for (const age of lastSyncAgeBuckets) this.#lastSync.set({ bank, age }, ages.get(age) ?? 0);
  }

  async text(): Promise<string> {
    await this.#collectAgents();
    return client.Registry.merge([this.registry, processMetrics()]).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
