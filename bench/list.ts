/** Every benchmark bench/run.ts runs, in order (each is bench/<name>.ts). */
export const benchmarks = [
  'crypto',
  'link-decode',
  'iso8583-decode',
  'agent-ledger',
  'agent-auth',
  'import-parse',
  'import',
  'gateway-ingest',
  'pg-ingest',
  'drain',
  'herd',
  'gateway-recon',
] as const;
export type BenchmarkName = (typeof benchmarks)[number];
