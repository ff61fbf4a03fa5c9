/**
 * Whether a withdrawal's panHash names a credited card of its KPM: the entry carries
 * HMAC(agent lookupKey, PAN); the gateway holds each row's PAN sealed to itself. Opening a row
 * and hashing it per check would dominate ingest and recompute, so results are cached by
 * (agent, row panHmac), bounded.
 */
import { keyedHash } from '../../protocol/crypto/seal.ts';
import type { Opener } from './fast-seal.ts';

const cacheEntriesMax = 200_000;

export interface SealedRow {
  readonly status: string;
  readonly panSealed: string;
  readonly panHmac: string;
}

export class PanMatcher {
  readonly #cache = new Map<string, string>();
  constructor(private readonly opener: Opener) {}

  agentPanHash(lookupKey: string, row: { readonly panSealed: string; readonly panHmac: string }): string | undefined {
    const id = `${lookupKey}|${row.panHmac}`;
    let found = this.#cache.get(id);
    if (found === undefined) {
      const opened = this.opener.open(row.panSealed);
      if (opened === undefined) return undefined;
      const pan = (JSON.parse(opened) as { pan: string }).pan;
      found = keyedHash(pan, lookupKey);
      if (this.#cache.size >= cacheEntriesMax) this.#cache.clear();
      this.#cache.set(id, found);
    }
    return found;
  }

  matches(lookupKey: string | undefined, panHash: string, rows: readonly SealedRow[]): boolean {
    if (lookupKey === undefined) return false;
    return rows.some((row) => row.status === 'credited' && this.agentPanHash(lookupKey, row) === panHash);
  }
}
