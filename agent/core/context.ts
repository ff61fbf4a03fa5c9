/** What every decision needs besides the round: identity, keys, ids and the database. */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { keyedHash } from '../../protocol/crypto/index.ts';
import type { SealedPans } from './sealed-pans.ts';
import type { LedgerDb } from './store.ts';

export interface EngineContext {
  readonly agentId: string;
  readonly seed: string;
  readonly publicKey: string;
  readonly gatewayPublicKey: string;
  readonly newId: () => string;
  /** The open database handle; replaced when the ledger is reopened after a storage failure. */
  db: LedgerDb;
  readonly logger: Logger;
  readonly utcOffsetMinutes: number;
  /** HMAC key for request fingerprints, derived from the seed so no PAN hash is guessable. */
  readonly fingerprintKey: string;
  /** Each card's sealed PAN under the installed set, reused by its approvals. */
  readonly sealedPans: SealedPans;
}

export function fingerprintKeyOf(seed: string): string {
  return createHash('sha256').update(`edc.fingerprint.v1\n${seed}`).digest('base64');
}

export function fingerprint(context: EngineContext, parts: readonly (string | number)[]): string {
  return keyedHash(parts.join('|'), context.fingerprintKey);
}
