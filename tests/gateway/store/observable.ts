/**
 * A store's observable state, read through the GatewayStore interfaces only (never a key-value
 * dump), so "changes no state" means the same for every store: every read of every interface
 * answers as before. Lists are read to their end, page by page. Nonces are left out on purpose:
 * the replay guard answers only by claiming, which would change what it reads.
 */
import type { ChainHead } from '../../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../../protocol/messages/schemas.ts';
import { kpmCategories, withdrawalCategories } from '../../../gateway/recon/classify.ts';
import type { AgentRecord, EvidenceRecord, GatewayStore, Page } from '../../../gateway/store/types.ts';

export interface AgentState {
  readonly record: AgentRecord;
  readonly kpms: readonly string[];
  readonly head: ChainHead;
  readonly entries: readonly LedgerEntry[];
  readonly evidence: readonly EvidenceRecord[];
}

/** What the interfaces cannot enumerate: the tahaps to read, and staff tokens to look up. */
export interface ObservableProbe {
  readonly tahaps: readonly string[];
  readonly tokenSha256s?: readonly string[];
}

const pageLimit = 1000;
const pagesMax = 1000;

async function readAll<T>(read: (after: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < pagesMax; pages++) {
    const page = await read(after);
    out.push(...page.items);
    if (page.next === undefined) return out;
    after = page.next;
  }
  throw new Error(`more than ${pagesMax} pages: the probe is meant for test-sized stores`);
}

async function agentsState(store: GatewayStore): Promise<Record<string, AgentState>> {
  const agents = await readAll((after) => store.listAgents({ after, limit: pageLimit }));
  const out: Record<string, AgentState> = {};
  for (const agent of agents) {
    const kpms: string[] = [];
    for await (const kpmId of store.agentKpms(agent.agentId)) kpms.push(kpmId);
    out[agent.agentId] = {
      record: agent,
      kpms,
      head: await store.head(agent.agentId),
      entries: await store.entries(agent.agentId, 0, 100_000),
      evidence: await store.evidence(agent.agentId, 100_000),
    };
  }
  return out;
}

async function tahapState(store: GatewayStore, tahap: string) {
  const positions: Record<string, unknown> = {};
  for (const c of kpmCategories)
    positions[c] = await readAll((after) => store.positions(tahap, c, { after, limit: pageLimit }));
  const withdrawals: Record<string, unknown> = {};
  for (const c of withdrawalCategories)
    withdrawals[c] = await readAll((after) => store.withdrawals(tahap, c, { after, limit: pageLimit }));
  const days = await store.withdrawalDays(tahap, {});
  const dayWithdrawals: Record<string, unknown> = {};
  for (const d of days)
    dayWithdrawals[d.localDate] = await readAll((after) =>
      store.dayWithdrawals(tahap, d.localDate, { after, limit: pageLimit }),
    );
  return {
    summary: await store.summary(tahap, {}),
    positions,
    withdrawals,
    days,
    dayWithdrawals,
    settlements: await store.settlements(tahap),
    exceptions: await readAll((after) => store.exceptions(tahap, { after, limit: pageLimit })),
    reconResults: await store.reconResults(tahap, 1000),
    importedFiles: await store.importedFiles(tahap),
  };
}

export async function observableState(store: GatewayStore, probe: ObservableProbe) {
  const tahaps: Record<string, unknown> = {};
  for (const tahap of probe.tahaps) tahaps[tahap] = await tahapState(store, tahap);
  const tokens: Record<string, unknown> = {};
  for (const sha of probe.tokenSha256s ?? []) tokens[sha] = (await store.getToken(sha)) ?? null;
  return {
    agents: await agentsState(store),
    tahaps,
    latestTahap: (await store.latestTahap()) ?? null,
    importedFiles: await store.importedFiles(undefined),
    audit: await readAll((after) => store.audit({ after, limit: pageLimit })),
    tokens,
  };
}

export type ObservableState = Awaited<ReturnType<typeof observableState>>;
