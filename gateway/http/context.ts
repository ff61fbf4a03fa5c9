/** What routes share: store, keys, config, clock, ids, metrics, replay cache, rate limits. */
import type { GatewayConfig, GatewayKeys } from '../config.ts';
import type { GatewayStore } from '../store/types.ts';
import type { Metrics } from './metrics.ts';
import type { NonceCache } from './nonce-cache.ts';
import type { RateLimits } from './rate-limits.ts';

export interface GatewayContext {
  readonly store: GatewayStore;
  readonly keys: GatewayKeys;
  readonly config: GatewayConfig;
  readonly now: () => number;
  readonly ulid: () => string;
  readonly metrics: Metrics;
  readonly nonces: NonceCache;
  readonly rateLimits: RateLimits;
}
