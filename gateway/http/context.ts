/** What routes share: store, keys, config, clock, ids, metrics, agent activity, rate limits. */
import type { GatewayConfig, GatewayKeys } from '../config.ts';
import type { ChainVerifier } from '../crypto/verify-pool.ts';
import type { GatewayStore } from '../store/types.ts';
import type { AgentActivity } from './agent-activity.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimits } from './rate-limits.ts';

export interface GatewayContext {
  readonly store: GatewayStore;
  readonly keys: GatewayKeys;
  readonly config: GatewayConfig;
  readonly now: () => number;
  /** The monotonic clock the replay guard is held to (http/replay-clock.ts); performance.now when absent. */
  readonly monotonicNow?: (() => number) | undefined;
  readonly ulid: () => string;
  readonly metrics: Metrics;
  /** Last successful request of each agent to this process (Agen screen, agent gauges). */
  readonly activity: AgentActivity;
  /** Request budgets, charged once the requester is known (rate-limits.ts). */
  readonly rateLimits: RateLimits;
  /** Checks uploaded entries' links, hashes and signatures (on worker threads in `serve`). */
  readonly verifier: ChainVerifier;
}

/** The context as one route needs it: the whole context, but only the store interfaces it uses. */
export type ContextWith<S> = Omit<GatewayContext, 'store'> & { readonly store: S };
