/**
 * A running agent: the core (which takes the ledger's lock first, so a second agent on the same
 * folder stops before touching anything), the terminal links, the forwarder and the status
 * endpoint. stop() undoes it: no link reads another request, the requests already read are
 * answered, links closed, forward pass cancelled, status closed, ledger closed.
 */
import type { Logger } from 'pino';
import { openAgentCore } from '../core/index.ts';
import type { AgentCore } from '../core/index.ts';
import type { AgentConfig } from '../config.ts';
import { ledgerPath, readGatewayCa } from '../config.ts';
import { createForwarder, forwarderDefaults } from '../forward/index.ts';
import type { ForwardLoop } from '../forward/index.ts';
import { LinkRegistry } from '../link/registry.ts';
import { SerialTerminalLink, serialLinkDefaults } from '../link/serial-link.ts';
import { TcpTerminalServer } from '../link/tcp-server.ts';
import { buildReport } from '../status/report.ts';
import { StatusServer } from '../status/server.ts';
import { Checkpointer } from '../sms/checkpointer.ts';

export interface RunningAgent {
  readonly core: AgentCore;
  readonly forwarder: ForwardLoop;
  /** Checkpoints over SMS, when the config names a modem. */
  readonly checkpointer: Checkpointer | null;
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

/** gatewayCa: the pinned CA's PEM, read from agent.json's gatewayCa unless given. */
export function forwarderFor(
  core: AgentCore,
  options: StartOptions,
  gatewayCa = readGatewayCa(options.dir, options.config),
): ForwardLoop {
  const { config } = options;
  return createForwarder({
    core,
    agentId: config.agentId,
    seed: options.seed,
    logger: options.logger,
    settings: {
      ...forwarderDefaults,
      gatewayUrl: config.gatewayUrl,
      gatewayCa,
      batchEntriesMax: config.forward.batchEntriesMax,
      requestTimeoutMs: config.forward.requestTimeoutMs,
      intervalMs: config.forward.intervalMs,
      backoff: { baseMs: config.forward.backoffBaseMs, capMs: config.forward.backoffCapMs },
    },
  });
}

/** The SMS checkpointer of config.sms (null when unset); it sends only while uploads fail. */
export function checkpointerFor(core: AgentCore, forwarder: ForwardLoop, options: StartOptions): Checkpointer | null {
  const sms = options.config.sms;
  if (sms === null) return null;
  return new Checkpointer({
    core,
    agentId: options.config.agentId,
    seed: options.seed,
    logger: options.logger,
    uploading: () => {
      const snapshot = forwarder.snapshot();
      return snapshot.state !== 'halted' && snapshot.consecutiveFailures === 0;
    },
    settings: { ...sms, path: sms.modemPath },
  });
}

interface TerminalLink {
  stopReading(): void;
  close(): Promise<void>;
}

export async function startAgent(options: StartOptions): Promise<RunningAgent> {
  const { config, logger } = options;
  // Before the ledger opens: a bad CA file stops the start with nothing to undo.
  const gatewayCa = readGatewayCa(options.dir, config);
  const core = await openAgentCore({
    dir: ledgerPath(options.dir, config),
    agentId: config.agentId,
    seed: options.seed,
    gatewayPublicKey: config.gatewayPublicKey,
    logger,
    utcOffsetMinutes: config.utcOffsetMinutes,
  });
  const registry = new LinkRegistry(Date.now, config.link.silenceMaxMs);
  const forwarder = forwarderFor(core, options, gatewayCa);
  const checkpointer = checkpointerFor(core, forwarder, options);
  const links: TerminalLink[] = [];
  let status: StatusServer | undefined;
  const stop = (): Promise<void> => stopAgent({ links, forwarder, checkpointer, status, core }, logger);
  try {
    status = statusServer(core, registry, forwarder, config, logger);
    const statusPort = await status.listen(config.statusPort);
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
      links.push(server);
      tcp = await server.listen();
    }
    for (const port of config.serial) {
      const link = new SerialTerminalLink(
        { ...serialLinkDefaults, ...port, requestsQueuedMax: config.link.requestsQueuedMax },
        context,
      );
      links.push(link);
      link.start();
    }
    if (options.forward !== false) forwarder.start();
    checkpointer?.start();
    logger.info(
      { agentId: config.agentId, tcp, serial: config.serial.map((p) => p.path), statusPort },
      'agent started',
    );
    return { core, forwarder, checkpointer, registry, tcp, statusPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function statusServer(
  core: AgentCore,
  registry: LinkRegistry,
  forwarder: ForwardLoop,
  config: AgentConfig,
  logger: Logger,
): StatusServer {
  return new StatusServer(
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
}

interface Parts {
  readonly links: readonly TerminalLink[];
  readonly forwarder: ForwardLoop;
  readonly checkpointer: Checkpointer | null;
  readonly status: StatusServer | undefined;
  readonly core: AgentCore;
}

/**
 * Shutdown keeps invariant 7 (every approval written was answered): every link stops reading
 * first, all at once, so no new request is decided; then each link answers what it had read and
 * closes; only then the forwarder, the status endpoint and the ledger stop.
 */
async function stopAgent(parts: Parts, logger: Logger): Promise<void> {
  for (const link of parts.links) link.stopReading();
  const steps: Array<() => Promise<void>> = [
    async () => void (await Promise.all(parts.links.map((link) => guard(() => link.close(), logger)))),
    () => parts.forwarder.stop(),
    () => parts.checkpointer?.stop() ?? Promise.resolve(),
    () => parts.status?.close() ?? Promise.resolve(),
    () => parts.core.close(),
  ];
  for (const step of steps) await guard(step, logger);
}

async function guard(step: () => Promise<void>, logger: Logger): Promise<void> {
  try {
    await step();
  } catch (err) {
    logger.error({ err }, 'error while stopping');
  }
}
