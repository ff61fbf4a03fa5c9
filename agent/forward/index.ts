/**
 * The forwarder, wired: a signed HTTP client, the pass and the loop around it. The halt reason
 * is read from the core's status, where the core persists it.
 */
import type { Logger } from 'pino';
import { uploadEntriesMax } from '../../protocol/messages/index.ts';
import type { BackoffOptions } from './backoff.ts';
import { backoffDefaults } from './backoff.ts';
import { ERR_FORWARD_OPTIONS } from './errors.ts';
import { ForwardPass } from './forwarder.ts';
import type { ForwardingCore } from './forwarder.ts';
import { createGatewayClient } from './gateway-client.ts';
import { ForwardLoop } from './loop.ts';

export { forwardErrors } from './errors.ts';
export { ForwardPass, type ForwardingCore, type PassOutcome } from './forwarder.ts';
export { ForwardLoop, type ForwarderSnapshot, type ForwarderState } from './loop.ts';
export { backoffDelayMs, backoffDefaults } from './backoff.ts';
export { parseRetryAfterMs } from './classify.ts';

export interface ForwarderSettings {
  readonly gatewayUrl: string;
  /** Pinned gateway CA, PEM (agent.json gatewayCa, read): HTTPS trusts only it. */
  readonly gatewayCa?: string;
  readonly batchEntriesMax: number;
  readonly batchesPerPassMax: number;
  /** Uploads in flight at once, 1..uploadsInFlightMaxLimit (protocol/README.md, "Pipelined uploads"). */
  readonly uploadsInFlightMax: number;
  readonly requestTimeoutMs: number;
  readonly responseBytesMax: number;
  readonly intervalMs: number;
  readonly haltRecheckMs: number;
  readonly backoff: BackoffOptions;
}

export const forwarderDefaults: ForwarderSettings = Object.freeze({
  gatewayUrl: '',
  batchEntriesMax: uploadEntriesMax,
  batchesPerPassMax: 50,
  uploadsInFlightMax: 2,
  requestTimeoutMs: 15_000,
  responseBytesMax: 64 * 1024 * 1024,
  intervalMs: 60_000,
  haltRecheckMs: 30_000,
  backoff: backoffDefaults,
});

/** The most uploads one agent may have in flight (the gateway orders up to 4 per agent). */
export const uploadsInFlightMaxLimit = 4;

export interface ForwarderCore extends ForwardingCore {
  status(): Promise<{ haltReason: string | null }>;
}

export interface CreateForwarderOptions {
  readonly core: ForwarderCore;
  readonly agentId: string;
  readonly seed: string;
  readonly settings: ForwarderSettings;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function createForwarder(options: CreateForwarderOptions): ForwardLoop {
  const { settings } = options;
  if (
    !Number.isInteger(settings.batchEntriesMax) ||
    settings.batchEntriesMax < 1 ||
    settings.batchEntriesMax > uploadEntriesMax
  ) {
    throw new ERR_FORWARD_OPTIONS(
      `Cannot forward: batchEntriesMax must be an integer in [1, ${uploadEntriesMax}], ` +
        `found ${settings.batchEntriesMax}`,
    );
  }
  if (
    !Number.isInteger(settings.uploadsInFlightMax) ||
    settings.uploadsInFlightMax < 1 ||
    settings.uploadsInFlightMax > uploadsInFlightMaxLimit
  ) {
    throw new ERR_FORWARD_OPTIONS(
      `Cannot forward: uploadsInFlightMax must be an integer in [1, ${uploadsInFlightMaxLimit}], ` +
        `found ${settings.uploadsInFlightMax}`,
    );
  }
  const client = createGatewayClient({
    gatewayUrl: settings.gatewayUrl,
    agentId: options.agentId,
    seed: options.seed,
    requestTimeoutMs: settings.requestTimeoutMs,
    responseBytesMax: settings.responseBytesMax,
    ca: settings.gatewayCa,
    now: options.now,
  });
  const logger = options.logger.child({ part: 'forward' });
  const pass = new ForwardPass(options.core, client, {
    agentId: options.agentId,
    batchEntriesMax: settings.batchEntriesMax,
    batchesPerPassMax: settings.batchesPerPassMax,
    uploadsInFlightMax: settings.uploadsInFlightMax,
    readHalt: async () => (await options.core.status()).haltReason,
    logger,
  });
  return new ForwardLoop(pass, {
    intervalMs: settings.intervalMs,
    haltRecheckMs: settings.haltRecheckMs,
    backoff: settings.backoff,
    logger,
    now: options.now,
  });
}
