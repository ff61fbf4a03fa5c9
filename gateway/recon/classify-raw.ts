/**
 * Classifying a KPM's raw facts under the gateway's current rules: each withdrawal's panOk is
 * decided with its agent's look-up key against the KPM's credited rows (pan-matcher), and the
 * tahap's closing time comes from the configuration. Every store and both reconciliation paths
 * (continuous and recompute) classify through this one function.
 */
import type { PanMatcher } from '../crypto/pan-matcher.ts';
import { classifyPosition, type Classification } from './classify.ts';
import { resolveFacts, type RawFacts } from './facts.ts';

export interface ReconEnv {
  readonly matcher: PanMatcher;
  /** The agent's look-up key, undefined when it is not enrolled (its withdrawals are then unknown_card). */
  lookupKey(agentId: string): Promise<string | undefined>;
  closesAt(tahap: string): number | undefined;
}

const noWithdrawals = (): boolean => false;

export async function classifyRaw(raw: RawFacts, env: ReconEnv): Promise<Classification> {
  const ctx = { closesAt: env.closesAt(raw.tahap) };
  // Most KPMs of a recompute have no withdrawal: no look-ups, no map.
  if (raw.withdrawals.length === 0) return classifyPosition(resolveFacts(raw, noWithdrawals), ctx);
  const keys = new Map<string, string | undefined>();
  for (const w of raw.withdrawals) if (!keys.has(w.agentId)) keys.set(w.agentId, await env.lookupKey(w.agentId));
  return classifyPosition(
    resolveFacts(raw, (w) => env.matcher.matches(keys.get(w.agentId), w.panHash, raw.rows)),
    ctx,
  );
}
