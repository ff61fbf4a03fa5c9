/**
 * Loaded reconciliation stores kept between bench runs, keyed by the loader's inputs (store kind,
 * KPM count and the loader's shape constants), so `npm run bench` loads 10M KPM once, not every
 * run. LevelDB stores live in .tmp/bench-cache/<hash>/store, PostgreSQL ones in the schema
 * bench_recon_<hash> of the bench database; each beside a meta.json written only when the load
 * finished (the gateway keys, the withdrawals loaded and the category mix).
 * Clear: `rm -rf .tmp/bench-cache` and, for PostgreSQL, `DROP SCHEMA bench_recon_<hash> CASCADE`
 * (BENCHMARKS.md, "How to run").
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayKeys } from '../../gateway/config.ts';
import type { CategoryMix } from './recon-load.ts';

/** Bump when the loaded records change shape, so old caches are not reused. */
export const reconLoaderVersion = 5;
const cacheRoot = fileURLToPath(new URL('../../.tmp/bench-cache/', import.meta.url));

export interface LoadedStore {
  readonly dir: string;
  readonly keysPath: string;
  readonly withdrawals: number;
  readonly mix: CategoryMix;
  /** Seconds the load took when it ran; 0 when the cache answered. */
  readonly loadSeconds: number;
  readonly cached: boolean;
}

interface Meta {
  readonly keys: GatewayKeys;
  readonly withdrawals: number;
  readonly mix: CategoryMix;
}

export function cacheKey(inputs: Readonly<Record<string, string | number>>): string {
  const text = JSON.stringify({ ...inputs, reconLoaderVersion });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The loaded store for `hash`: the cached one when its meta.json exists (and `stillThere` agrees),
 * else `load` runs into a cleared folder and its meta is written last.
 */
export async function cachedLoad(
  hash: string,
  keys: () => GatewayKeys,
  load: (dir: string, keys: GatewayKeys) => Promise<{ withdrawals: number; mix: CategoryMix }>,
  stillThere: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<LoadedStore> {
  const dir = join(cacheRoot, hash);
  const metaPath = join(dir, 'meta.json');
  const keysPath = join(dir, 'keys.json');
  if (existsSync(metaPath) && (await stillThere())) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    return { dir, keysPath, withdrawals: meta.withdrawals, mix: meta.mix, loadSeconds: 0, cached: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const k = keys();
  writeFileSync(keysPath, JSON.stringify(k));
  const start = performance.now();
  const { withdrawals, mix } = await load(dir, k);
  const loadSeconds = (performance.now() - start) / 1000;
  writeFileSync(metaPath, JSON.stringify({ keys: k, withdrawals, mix } satisfies Meta));
  return { dir, keysPath, withdrawals, mix, loadSeconds, cached: false };
}
