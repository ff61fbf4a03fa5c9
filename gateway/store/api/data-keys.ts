/** The data keys of the gateway's envelope encryption at rest (gateway/crypto/envelope.ts). */

export interface DataKeyInfo {
  readonly keyId: number;
  readonly createdAt: number;
  /** The key new seals use (the newest). */
  readonly sealing: boolean;
}

export interface DataKeyStore {
  /**
   * Adds a data key with the next id: this store's new seals use it from now on, and every older
   * id keeps opening. Other processes on the same store (PostgreSQL replicas) load it when they
   * first meet a value sealed under it, and seal under it after their next start.
   */
  rotateDataKey(now: number): Promise<DataKeyInfo>;
  /** Every data key the store holds, in id order (never the key itself). */
  listDataKeys(): Promise<DataKeyInfo[]>;
}
