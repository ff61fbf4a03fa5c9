/**
 * Reading what the stores hold while their process is down: an agent's ledger through the
 * agent's own core (openAgentCore: lock, head record check, verification, then its signed
 * bundles from seq 1), the gateway's chains through its store (openGateway), and the
 * reconciliation's figures through `edc-gateway reconcile` and `report` (what an operator runs).
 */
import pino from 'pino';
import { openAgentCore } from '../../agent/core/index.ts';
import { runCli } from '../../gateway/cli/main.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import type { LedgerEntry } from '../../protocol/messages/index.ts';
import type { Figures } from './check.ts';
import type { SoakAgent } from './setup.ts';

export interface LedgerRead {
  readonly entries: LedgerEntry[];
  readonly problems: string[];
}

export async function readLedger(agent: SoakAgent, gatewayPublicKey: string): Promise<LedgerRead> {
  const core = await openAgentCore({
    dir: agent.ledgerDir,
    agentId: agent.keys.agentId,
    seed: agent.keys.seed,
    gatewayPublicKey,
    logger: pino({ level: 'silent' }),
  });
  try {
    const verified = await core.verifyLedger();
    const head = (await core.status()).head.seq;
    const entries: LedgerEntry[] = [];
    while (entries.length < head) entries.push(...(await core.exportBundle(entries.length + 1)).entries);
    return { entries, problems: verified.ok ? [] : verified.problems };
  } finally {
    await core.close();
  }
}

/** Entries read per store call. */
const gatewayPageEntries = 1_000;

export async function readGatewayChains(
  gatewayDir: string,
  agentIds: readonly string[],
): Promise<Map<string, LedgerEntry[]>> {
  const { store } = await openGateway(gatewayDir);
  try {
    const chains = new Map<string, LedgerEntry[]>();
    for (const agentId of agentIds) {
      const chain: LedgerEntry[] = [];
      for (;;) {
        const page = await store.entries(agentId, chain.length + 1, gatewayPageEntries);
        chain.push(...page);
        if (page.length < gatewayPageEntries) break;
      }
      chains.set(agentId, chain);
    }
    return chains;
  } finally {
    await store.close();
  }
}

async function gatewayCommand(argv: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCli(argv, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    errIsTty: false,
    now: Date.now,
  });
  return { status, out, err };
}

interface ReportJson {
  balanced: boolean;
  counters: { withdrawalsByCategory: Record<string, { count: number; amount: number }> };
}

export async function readFigures(gatewayDir: string, tahap: string): Promise<Figures & { reconcileOutput: string }> {
  const reconcile = await gatewayCommand(['reconcile', '--dir', gatewayDir, '--tahap', tahap]);
  const report = await gatewayCommand(['report', '--dir', gatewayDir, '--tahap', tahap, '--format', 'json']);
  const parsed = JSON.parse(report.out) as ReportJson;
  let categorizedAmount = 0;
  let categorizedCount = 0;
  for (const category of Object.values(parsed.counters.withdrawalsByCategory)) {
    categorizedAmount += category.amount;
    categorizedCount += category.count;
  }
  return {
    categorizedAmount,
    categorizedCount,
    reconcileStatus: reconcile.status,
    balanced: parsed.balanced,
    reconcileOutput: (reconcile.status === 0 ? '' : reconcile.err) + reconcile.out.slice(0, 2_000),
  };
}
