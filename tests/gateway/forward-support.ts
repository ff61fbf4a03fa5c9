/**
 * A test agent's forwarder for fault tests: uploads its entries in slices, in order, repeating a
 * slice until it is answered 200, as agent/forward does (refusals and connection errors alike).
 */
import { expect } from 'vitest';
import type { GatewayStore } from '../../gateway/store/types.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { signedHeaders, tahap, type TestAgent } from './helpers.ts';

export interface ForwardTally {
  /** Entries answered 200. */
  ok: number;
  /** `${status} ${code}` of every refusal, or `connection ${error code}`, with its count. */
  refusals: Map<string, number>;
}

export const newTally = (): ForwardTally => ({ ok: 0, refusals: new Map() });

/** Polls `check` every 20 ms until it holds; throws naming `what` after timeoutMs. */
export async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Sends every slice of `perUpload` entries to `target.base` (read before each attempt, so a test can
 * point it at a restarted server), each until it is answered 200, 50 ms between attempts.
 */
export async function forwardAll(
  target: { readonly base: string },
  agent: TestAgent,
  entries: readonly LedgerEntry[],
  perUpload: number,
  tally: ForwardTally,
): Promise<void> {
  const path = `/v1/agents/${agent.agentId}/uploads`;
  for (let i = 0; i < entries.length; i += perUpload) {
    const body = JSON.stringify({ v: 1, agentId: agent.agentId, entries: entries.slice(i, i + perUpload) });
    for (;;) {
      const key = await attempt(target.base + path, body, signedHeaders(agent, 'POST', path, body));
      if (key === undefined) break;
      tally.refusals.set(key, (tally.refusals.get(key) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    tally.ok += Math.min(perUpload, entries.length - i);
  }
}

/** undefined when answered 200, else what refused it. */
async function attempt(url: string, body: string, headers: Record<string, string>): Promise<string | undefined> {
  try {
    const res = await fetch(url, { method: 'POST', body, headers });
    const text = await res.text();
    if (res.status === 200) return undefined;
    let code = '';
    try {
      code = (JSON.parse(text) as { code?: string }).code ?? '';
    } catch {
      code = 'not JSON';
    }
    return `${res.status} ${code}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return `connection ${cause?.code ?? String(error)}`;
  }
}

/**
 * After a fault: each agent's chain is stored exactly as sent (every entry once, in order), the tahap's
 * withdrawn figure holds every rupiah, and reconcile agrees. Closes the store.
 */
export async function expectStoredOnce(
  store: GatewayStore,
  fleet: readonly { readonly agent: TestAgent; readonly entries: readonly LedgerEntry[] }[],
  withdrawn: number,
): Promise<void> {
  try {
    for (const { agent, entries } of fleet) {
      expect((await store.head(agent.agentId)).seq).toBe(entries.length);
      expect(await store.entries(agent.agentId, 1, entries.length + 10)).toEqual(entries);
    }
    expect((await store.summary(tahap, {})).withdrawn).toBe(withdrawn);
    const result = await store.reconcile(tahap, 1000);
    expect(result.differences).toEqual([]);
    expect(result.agree).toBe(true);
  } finally {
    await store.close();
  }
}
