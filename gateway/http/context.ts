/** What routes share: store, keys, config, clock, ids, metrics, replay cache. */
import type { GatewayConfig, GatewayKeys } from '../config.ts';
import type { GatewayStore } from '../store/types.ts';
import type { AgentActivity } from './agent-activity.ts';
import type { Metrics } from './metrics.ts';
import type { NonceCache } from './nonce-cache.ts';

export interface GatewayContext {
  readonly store: GatewayStore;
  readonly keys: GatewayKeys;
  readonly config: GatewayConfig;
  readonly now: () => number;
  readonly ulid: () => string;
  readonly metrics: Metrics;
  readonly nonces: NonceCache;
  /** Last successful request of each agent to this process (Agen screen, agent gauges). */
  readonly activity: AgentActivity;
}
