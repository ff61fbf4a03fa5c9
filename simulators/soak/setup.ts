/**
 * Setting up the soak's field: the rig's bank and gateway set-up (seeded KPM population, each
 * bank's disbursement file imported with `edc-gateway import disbursements`, agents enrolled with
 * `edc-gateway agents add`), then per agent a folder as `edc-agent init` leaves it (agent.json,
 * agent.key with the enrolled seeded key) pointing at its own signal proxy, with fixed TCP and
 * status ports so that the agent comes back on them after every restart.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { AgentConfig, configFileName, keyFileName } from '../../agent/config.ts';
import { createPrng, mixSeed, tag } from '../common/prng.ts';
import { RigOptions } from '../rig/options.ts';
import { agentOfKpm } from '../rig/plan.ts';
import { gatewayCli } from '../rig/gateway.ts';
import { setUpField, type AgentKeys } from '../rig/setup.ts';
import { startSignalProxy, type SignalProxy } from '../signal/proxy.ts';
import type { SoakOptions } from './options.ts';
import { AgentProcess, GatewayProcess } from './processes.ts';
import type { SoakCard } from './terminals.ts';

export interface SoakAgent {
  readonly index: number;
  readonly keys: AgentKeys;
  readonly ledgerDir: string;
  readonly proxy: SignalProxy;
  readonly process: AgentProcess;
  readonly tcpPort: number;
  readonly cards: readonly SoakCard[];
}

export interface SoakField {
  readonly gateway: GatewayProcess;
  readonly gatewayDir: string;
  readonly gatewayPublicKey: string;
  readonly agents: readonly SoakAgent[];
}

/** A port free right now (the OS picks it); the process that needs it binds it a moment later. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function writeAgentDir(dir: string, keys: AgentKeys, proxyUrl: string, gatewayPublicKey: string) {
  const tcpPort = await freePort();
  const statusPort = await freePort();
  const config = AgentConfig.parse({
    v: 1,
    agentId: keys.agentId,
    gatewayUrl: proxyUrl,
    gatewayPublicKey,
    tcp: { host: '127.0.0.1', port: tcpPort },
    statusPort,
    logLevel: 'warn',
    forward: {
      batchEntriesMax: 100,
      requestTimeoutMs: 10_000,
      intervalMs: 1_000,
      backoffBaseMs: 50,
      backoffCapMs: 1_000,
    },
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, configFileName), JSON.stringify(config, null, 2) + '\n');
  await writeFile(join(dir, keyFileName), keys.seed + '\n', { mode: 0o600 });
  await chmod(join(dir, keyFileName), 0o600);
  return { tcpPort, statusPort };
}

export async function setUpSoak(options: SoakOptions, dir: string): Promise<SoakField> {
  const rigOptions = RigOptions.parse({
    seed: options.seed,
    agents: options.agents,
    kpm: options.kpm,
    tahap: options.tahap,
  });
  const gatewayDir = join(dir, 'gateway');
  const field = await setUpField(createPrng(mixSeed(options.seed, tag('soak-keys'))), rigOptions, dir, gatewayDir);
  const gateway = new GatewayProcess(gatewayDir, await freePort());
  const gatewayPublicKey = (await gatewayCli(['public-key', '--dir', gatewayDir])).trim();
  const agents: SoakAgent[] = [];
  for (const keys of field.agents) {
    const index = agents.length;
    const proxy = await startSignalProxy({
      target: `http://127.0.0.1:${gateway.port}`,
      seed: mixSeed(options.seed, index, tag('soak-signal')),
    });
    const agentDir = join(dir, keys.agentId);
    const { tcpPort, statusPort } = await writeAgentDir(agentDir, keys, proxy.url, gatewayPublicKey);
    const cards = field.population
      .filter((k) => agentOfKpm(k.index, options.agents) === index && field.statusOf.get(k.kpmId) === 'credited')
      .map((k) => ({ pan: k.card.pan, pin: k.card.pin, expiry: '2912', serviceCode: '201', kpmId: k.kpmId }));
    agents.push({
      index,
      keys,
      ledgerDir: join(agentDir, 'ledger'),
      proxy,
      process: new AgentProcess(keys.agentId, agentDir, statusPort),
      tcpPort,
      cards,
    });
  }
  return { gateway, gatewayDir, gatewayPublicKey, agents };
}
