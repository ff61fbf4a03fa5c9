/**
 * The sealed form of each card's PAN, reused within one entitlement set. Sealing (an X25519
 * key agreement with a fresh ephemeral key, about 0.2 ms of CPU) was the largest single cost of
 * an approval; the gateway opens any sealed copy the same way, and the entry already carries
 * the card's keyed hash, so reusing the sealed bytes for the same card under the same set tells
 * the gateway nothing it did not know. A new set (new seal key or look-up key) starts afresh.
 *
 * Bounded by sealedPansMax: once full, further cards are sealed on every approval (a cache, so
 * nothing is refused). Holds no PAN in clear: only keyed hash -> sealed bytes.
 */
import { seal } from '../../protocol/crypto/index.ts';
import { sealedPansMax } from './limits.ts';

export class SealedPans {
  private setId: string | undefined;
  private readonly byPanHash = new Map<string, string>();

  constructor(private readonly entriesMax: number = sealedPansMax) {}

  /** The sealed PAN of the card with `panHash` under set `setId`, sealed now when not yet known. */
  sealed(setId: string, sealKey: string, panHash: string, pan: string): string {
    if (setId !== this.setId) {
      this.byPanHash.clear();
      this.setId = setId;
    }
    const known = this.byPanHash.get(panHash);
    if (known !== undefined) return known;
    const sealed = seal(pan, sealKey);
    if (this.byPanHash.size < this.entriesMax) this.byPanHash.set(panHash, sealed);
    return sealed;
  }

  get size(): number {
    return this.byPanHash.size;
  }
}
