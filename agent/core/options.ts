/** Checks openAgentCore() options: a wrong key or id here would sign a ledger no gateway accepts. */
import { key32FromBase64 } from '../../protocol/crypto/index.ts';
import { AgentId } from '../../protocol/messages/index.ts';
import { ERR_CORE_OPTIONS } from './errors.ts';
import {
  clockToleranceMsDefault,
  clockToleranceMsMax,
  groupCommitMaxDefault,
  groupCommitMaxLimit,
  pendingRequestsMaxDefault,
  pendingRequestsMaxLimit,
} from './limits.ts';
import type { AgentCoreOptions } from './types.ts';

export interface CheckedOptions {
  readonly groupCommitMax: number;
  readonly pendingRequestsMax: number;
  readonly utcOffsetMinutes: number;
  readonly clockToleranceMs: number;
}

export function checkOptions(options: AgentCoreOptions): CheckedOptions {
  if (typeof options.dir !== 'string' || options.dir.length === 0)
    throw new ERR_CORE_OPTIONS('Cannot open agent core: expected dir to be a folder path, found none');
  if (!AgentId.safeParse(options.agentId).success) {
    throw new ERR_CORE_OPTIONS(
      `Cannot open agent core: expected agentId of 3-32 A-Z, 0-9 and -, found ${JSON.stringify(options.agentId)}`,
    );
  }
  for (const [name, what] of [
    ['seed', 'agent Ed25519 seed'],
    ['gatewayPublicKey', 'gateway Ed25519 public key'],
  ] as const) {
    try {
      key32FromBase64(options[name], what);
    } catch (cause) {
      throw new ERR_CORE_OPTIONS(
        `Cannot open agent core: expected ${name} as 32 bytes of base64 (${what})`,
        { option: name },
        cause,
      );
    }
  }
  const groupCommitMax = options.groupCommitMax ?? groupCommitMaxDefault;
  if (!Number.isSafeInteger(groupCommitMax) || groupCommitMax < 1 || groupCommitMax > groupCommitMaxLimit) {
    throw new ERR_CORE_OPTIONS(
      `Cannot open agent core: expected groupCommitMax 1..${groupCommitMaxLimit}, found ${String(groupCommitMax)}`,
    );
  }
  const pendingRequestsMax = options.pendingRequestsMax ?? pendingRequestsMaxDefault;
  if (
    !Number.isSafeInteger(pendingRequestsMax) ||
    pendingRequestsMax < 1 ||
    pendingRequestsMax > pendingRequestsMaxLimit
  ) {
    throw new ERR_CORE_OPTIONS(
      `Cannot open agent core: expected pendingRequestsMax 1..${pendingRequestsMaxLimit}, ` +
        `found ${String(pendingRequestsMax)}`,
    );
  }
  const utcOffsetMinutes = options.utcOffsetMinutes ?? 420;
  if (!Number.isSafeInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 14 * 60) {
    throw new ERR_CORE_OPTIONS(
      `Cannot open agent core: expected utcOffsetMinutes -840..840, found ${String(utcOffsetMinutes)}`,
    );
  }
  const clockToleranceMs = options.clockToleranceMs ?? clockToleranceMsDefault;
  if (!Number.isSafeInteger(clockToleranceMs) || clockToleranceMs < 0 || clockToleranceMs > clockToleranceMsMax) {
    throw new ERR_CORE_OPTIONS(
      `Cannot open agent core: expected clockToleranceMs 0..${clockToleranceMsMax}, found ${String(clockToleranceMs)}`,
    );
  }
  return { groupCommitMax, pendingRequestsMax, utcOffsetMinutes, clockToleranceMs };
}
