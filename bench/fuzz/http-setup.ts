/**
 * The gateway the HTTP fuzzer attacks: a real gateway folder made with the operator's commands
 * (init, a BRI disbursement file imported, two agents enrolled, a viewer and an admin token),
 * its real LevelDB store, and the app built by buildGateway (requests go through inject(), so no
 * socket is needed). AGT-001 has uploaded a short valid chain, so reads, receipts, duplicates
 * and reconciliation all have state to guard. `observe` reads that state through the store's
 * read API, for comparing before and after.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import pino from 'pino';
import { buildGateway, type Gateway } from '../../gateway/app.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { generateSigningKeyPair } from '../../protocol/crypto/index.ts';
import { keyedHash, seal } from '../../protocol/crypto/seal.ts';
import { ulidFactory } from '../../protocol/ids.ts';
import {
  genesisHash,
  signEntry,
  signRequest,
  type LedgerEntry,
  type SignedEntitlementSet,
} from '../../protocol/messages/index.ts';
import { generatePopulation, writeDisbursementFile } from '../../simulators/bank/index.ts';
import { gatewayCli, initGatewayDir } from '../../simulators/rig/gateway.ts';

export const fuzzTahap = '2026-IV';

export interface FuzzAgent {
  readonly agentId: string;
  readonly seed: string;
}

export interface FuzzGateway {
  readonly gateway: Gateway;
  readonly store: GatewayStore;
  readonly agents: readonly [FuzzAgent, FuzzAgent];
  readonly tokens: { readonly viewer: string; readonly admin: string };
  /** A withdrawal AGT-001 uploaded (for bodies that look real). */
  readonly entry: LedgerEntry;
  close(): Promise<void>;
}

async function writeBankFile(dir: string): Promise<{ file: string; kpmIds: string[]; pans: Map<string, string> }> {
  const population = generatePopulation({ seed: 7, size: 60 });
  const file = join(dir, 'bri.csv');
  const out = createWriteStream(file);
  await writeDisbursementFile(
    population,
    { bank: 'BRI', tahap: fuzzTahap, failedRate: 0, returnedRate: 0, seed: 7 },
    out,
  );
  out.end();
  await finished(out);
  const bri = population.filter((k) => k.bank === 'BRI');
  return { file, kpmIds: bri.map((k) => k.kpmId), pans: new Map(bri.map((k) => [k.kpmId, k.card.pan])) };
}

async function enrol(gatewayDir: string, dir: string, agentId: string, kpmIds: readonly string[]): Promise<FuzzAgent> {
  const keys = generateSigningKeyPair();
  const kpmFile = join(dir, `${agentId}.kpm`);
  await writeFile(kpmFile, kpmIds.join('\n') + '\n');
  await gatewayCli(
    ['agents', 'add', '--dir', gatewayDir, '--id', agentId, '--public-key', keys.publicKey, '--bank', 'BRI'].concat([
      '--region',
      '3201010001',
      '--kpm-file',
      kpmFile,
    ]),
  );
  return { agentId, seed: keys.seed };
}

export async function signedInject(
  gateway: Gateway,
  who: FuzzAgent,
  method: 'GET' | 'POST',
  url: string,
  body = '',
): Promise<{ status: number; json: unknown }> {
  const headers = signRequest({ method, path: url, body }, who);
  const response = await gateway.app.inject({
    method,
    url,
    headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { payload: body } : {}),
  });
  return { status: response.statusCode, json: response.json() };
}

/** Three withdrawals AGT-001 really could have made under the set the gateway issued it. */
function chainOf(agent: FuzzAgent, set: SignedEntitlementSet, pans: Map<string, string>): LedgerEntry[] {
  const newId = ulidFactory();
  const entries: LedgerEntry[] = [];
  let prevHash = genesisHash;
  for (const [i, e] of set.entitlements.slice(0, 3).entries()) {
    const pan = pans.get(e.kpmId)!;
    const body = {
      v: 1 as const,
      id: newId(),
      agentId: agent.agentId,
      seq: i + 1,
      prevHash,
      at: Date.now(),
      tahap: fuzzTahap,
      kpmId: e.kpmId,
      amount: 100_000,
      terminalId: 'EDC00101',
      stan: String(i + 1).padStart(6, '0'),
      localDate: '1122',
      kind: 'withdrawal' as const,
      panHash: keyedHash(pan, set.lookupKey),
      sealedPan: seal(pan, set.sealKey),
      rrn: `00000000000${i + 1}`,
      authCode: `A0000${i + 1}`,
      entitlementSetId: set.setId,
    };
    const entry = signEntry(body, agent.seed);
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

export async function startFuzzGateway(): Promise<FuzzGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-fuzz-http-'));
  const gatewayDir = join(dir, 'gateway');
  await initGatewayDir(gatewayDir);
  const bank = await writeBankFile(dir);
  await gatewayCli(['import', 'disbursements', bank.file, '--dir', gatewayDir, '--bank', 'BRI', '--tahap', fuzzTahap]);
  const half = Math.ceil(bank.kpmIds.length / 2);
  const agents = [
    await enrol(gatewayDir, dir, 'AGT-001', bank.kpmIds.slice(0, half)),
    await enrol(gatewayDir, dir, 'AGT-002', bank.kpmIds.slice(half)),
  ] as const;
  const token = async (role: string): Promise<string> =>
    (await gatewayCli(['tokens', 'create', '--dir', gatewayDir, '--role', role, '--name', `fuzz-${role}`])).trim();
  const tokens = { viewer: await token('viewer'), admin: await token('admin') };
  const { gw, store } = await openGateway(gatewayDir);
  const gateway = await buildGateway({ store, keys: gw.keys, config: gw.config, logger: pino({ level: 'silent' }) });
  const close = async (): Promise<void> => {
    await gateway.app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  };
  const set = await signedInject(gateway, agents[0], 'GET', `/v1/agents/${agents[0].agentId}/entitlements`);
  const chain = chainOf(agents[0], set.json as SignedEntitlementSet, bank.pans);
  const body = JSON.stringify({ v: 1, agentId: agents[0].agentId, entries: chain });
  const upload = await signedInject(gateway, agents[0], 'POST', `/v1/agents/${agents[0].agentId}/uploads`, body);
  if (set.status !== 200 || upload.status !== 200) {
    await close();
    throw new Error(`fuzz setup: expected 200 for the set and the upload, found ${set.status} and ${upload.status}`);
  }
  return { gateway, store, agents, tokens, entry: chain[0]!, close };
}

async function allPages<T>(
  read: (after: string | undefined) => Promise<{ items: readonly T[]; next: string | undefined }>,
) {
  const items: T[] = [];
  let after: string | undefined;
  do {
    const page = await read(after);
    items.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return items;
}

/**
 * The gateway's observable state through its read API: agents (status, flags), each chain and
 * its evidence, the tahap's counters, settlements and exceptions, the imported files. Audit
 * records and replay nonces are left out: a refused request is meant to leave those.
 */
export async function observe(store: GatewayStore, agentIds: readonly string[]): Promise<string> {
  const agents = await allPages((after) => store.listAgents({ after, limit: 1000 }));
  const chains = await Promise.all(
    agentIds.map(async (id) => ({
      head: await store.head(id),
      entries: await store.entries(id, 1, 1000),
      evidence: await store.evidence(id, 1000),
    })),
  );
  const exceptions = await allPages((after) => store.exceptions(fuzzTahap, { after, limit: 1000 }));
  return JSON.stringify({
    agents,
    chains,
    summary: await store.summary(fuzzTahap, {}),
    settlements: await store.settlements(fuzzTahap),
    exceptions,
    files: await store.importedFiles(undefined),
  });
}

/** What is cheap enough to compare after every request: the heads and the tahap's counters. */
export async function glance(store: GatewayStore, agentIds: readonly string[]): Promise<string> {
  return JSON.stringify({
    heads: await Promise.all(agentIds.map((id) => store.head(id))),
    summary: await store.summary(fuzzTahap, {}),
  });
}
