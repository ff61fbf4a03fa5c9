/**
 * A running agent: the core (which takes the ledger's lock first, so a second agent on the same
 * folder stops before touching anything), the terminal links, the forwarder and the status
 * endpoint. stop() undoes it in reverse: no new requests, answers in flight finished, forward
 * pass cancelled, status closed, ledger closed.
 */
import type { Logger } from 'pino';
import { openAgentCore } from '../core/index.ts';
import type { AgentCore } from '../core/index.ts';
import type { AgentConfig } from '../config.ts';
import { ledgerPath } from '../config.ts';
import { createForwarder, forwarderDefaults } from '../forward/index.ts';
import type { ForwardLoop } from '../forward/index.ts';
import { LinkRegistry } from '../link/registry.ts';
import { SerialTerminalLink, serialLinkDefaults } from '../link/serial-link.ts';
import { TcpTerminalServer } from '../link/tcp-server.ts';
import { buildReport } from '../status/report.ts';
import { StatusServer } from '../status/server.ts';

export interface RunningAgent {
  readonly core: AgentCore;
  readonly forwarder: ForwardLoop;
  readonly registry: LinkRegistry;
  readonly tcp: { host: string; port: number } | null;
  readonly statusPort: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly dir: string;
  readonly config: AgentConfig;
  readonly seed: string;
  readonly logger: Logger;
  /** false: no forwarding loop (the bench and the crash test run the agent without a gateway). */
  readonly forward?: boolean;
}

export function forwarderFor(core: AgentCore, options: StartOptions): ForwardLoop {
  const { config } = options;
  return createForwarder({
    core,
    agentId: config.agentId,
    seed: options.seed,
    logger: options.logger,
    settings: {
      ...forwarderDefaults,
      gatewayUrl: config.gatewayUrl,
      batchEntriesMax: config.forward.batchEntriesMax,
      requestTimeoutMs: config.forward.requestTimeoutMs,
      intervalMs: config.forward.intervalMs,
      backoff: { baseMs: config.forward.backoffBaseMs, capMs: config.forward.backoffCapMs },
    },
  });
}

export async function startAgent(options: StartOptions): Promise<RunningAgent> {
  const { config, logger } = options;
  const core = await openAgentCore({
    dir: ledgerPath(options.dir, config),
    agentId: config.agentId,
    seed: options.seed,
    gatewayPublicKey: config.gatewayPublicKey,
    logger,
    utcOffsetMinutes: config.utcOffsetMinutes,
  });
  const registry = new LinkRegistry(Date.now, config.link.silenceMaxMs);
  const forwarder = forwarderFor(core, options);
  const closers: Array<() => Promise<void>> = [() => core.close()];
  try {
    const status = new StatusServer(
      {
        report: async () =>
          buildReport({
            core: await core.status(),
            links: registry.list(),
            forwarder: forwarder.snapshot(),
            running: true,
            now: Date.now(),
            utcOffsetMinutes: config.utcOffsetMinutes,
          }),
        sync: () => forwarder.syncNow(),
      },
      logger,
    );
    const statusPort = await status.listen(config.statusPort);
    closers.unshift(() => status.close());
    const context = { handler: core, logger, registry };
    let tcp: { host: string; port: number } | null = null;
    if (config.tcp !== null) {
      const server = new TcpTerminalServer(
        {
          ...config.tcp,
          terminalsMax: config.link.terminalsMax,
          idleTimeoutMs: config.link.idleTimeoutMs,
          requestsQueuedMax: config.link.requestsQueuedMax,
        },
        context,
      );
      tcp = await server.listen();
      closers.unshift(() => server.close());
    }
    for (const port of config.serial) {
      const link = new SerialTerminalLink(
        { ...serialLinkDefaults, ...port, requestsQueuedMax: config.link.requestsQueuedMax },
        context,
      );
      link.start();
      closers.unshift(() => link.close());
    }
    if (options.forward !== false) forwarder.start();
    closers.unshift(() => forwarder.stop());
    logger.info(
      { agentId: config.agentId, tcp, serial: config.serial.map((p) => p.path), statusPort },
      'agent started',
    );
    return { core, forwarder, registry, tcp, statusPort, stop: () => runClosers(closers, logger) };
  } catch (err) {
    await runClosers(closers, logger);
    throw err;
  }
}

async function runClosers(closers: ReadonlyArray<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'error while stopping');
    }
  }
}
