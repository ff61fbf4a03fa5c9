/**
 * Checks a forward pass makes around its boundary: the batch read from the ledger is consecutive
 * from the acknowledged cursor (the ledger's promise, asserted again before anything leaves), and
 * errors from core.applyReceipt are mapped to forwarder errors so that one table decides halting.
 */
import type { LedgerEntry, SignedReceipt } from '../../protocol/messages/index.ts';
import { isEdcError } from '../../protocol/errors.ts';
import {
  ERR_FORWARD_FORK,
  ERR_FORWARD_GAP,
  ERR_FORWARD_AUTH,
  ERR_FORWARD_REJECTED,
  ERR_FORWARD_BAD_RECEIPT,
} from './errors.ts';

/**
 * Codes that stop forwarding until an operator resumes it. A corrupt ledger (an entry whose hash,
 * signature or link no longer checks: tampering or disk damage) and a rolled-back one (it lost
 * entries it once had) are among them: retrying cannot repair them, and uploading around them
 * would hide them, so they must be loud. Everything else (network, 5xx, clock skew, a ledger
 * being reopened after a storage failure) heals by itself and is retried with backoff.
 */
export const haltingCodes: ReadonlySet<string> = new Set([
  'EDC_ERR_LEDGER_CORRUPT',
  'EDC_ERR_LEDGER_ROLLBACK',
  ERR_FORWARD_FORK.code,
  ERR_FORWARD_GAP.code,
  ERR_FORWARD_AUTH.code,
  ERR_FORWARD_REJECTED.code,
  ERR_FORWARD_BAD_RECEIPT.code,
]);

export function checkBatchOrder(entries: readonly LedgerEntry[], from: { seq: number; hash: string }): void {
  let seq = from.seq;
  let hash = from.hash;
  for (const entry of entries) {
    if (entry.seq !== seq + 1 || entry.prevHash !== hash) {
      throw new ERR_FORWARD_FORK(
        `Ledger returned entry seq ${entry.seq} after seq ${seq}: ` +
          `expected seq ${seq + 1} linking to ${hash.slice(0, 12)}..`,
        {
          expectedSeq: seq + 1,
          foundSeq: entry.seq,
          source: 'ledger',
        },
      );
    }
    seq = entry.seq;
    hash = entry.hash;
  }
}

/** Maps core.applyReceipt's coded refusals to the forwarder's halting errors; other failures pass through. */
export function toForwardError(err: unknown, receipt: SignedReceipt): unknown {
  if (isEdcError(err, 'EDC_ERR_RECEIPT_FORK')) {
    return new ERR_FORWARD_FORK(
      `Receipt does not match the ledger at seq ${receipt.ackSeq}: ${err.message}`,
      { ackSeq: receipt.ackSeq, coreCode: err.code },
      err,
    );
  }
  if (isEdcError(err, 'EDC_ERR_RECEIPT_SIGNATURE') || isEdcError(err, 'EDC_ERR_RECEIPT_INVALID')) {
    return new ERR_FORWARD_BAD_RECEIPT(
      `Receipt signature does not verify with the gateway public key: ${err.message}`,
      { ackSeq: receipt.ackSeq, coreCode: err.code },
      err,
    );
  }
  return err;
}

/**
 * Maps core.installEntitlementSet's refusals: a set that does not verify or names another agent
 * is a bad gateway message (halt), one based on entries this ledger lacks is a fork alarm (halt);
 * an expired or stale set is retried, since the next GET may bring a fresh one.
 */
export function toForwardSetError(err: unknown): unknown {
  if (!isEdcError(err)) return err;
  const details = { coreCode: err.code };
  if (
    err.code === 'EDC_ERR_ENTITLEMENT_SIGNATURE' ||
    err.code === 'EDC_ERR_ENTITLEMENT_AGENT' ||
    err.code === 'EDC_ERR_ENTITLEMENT_INVALID'
  ) {
    return new ERR_FORWARD_BAD_RECEIPT(`Entitlement set refused: ${err.message}`, details, err);
  }
  if (err.code === 'EDC_ERR_ENTITLEMENT_AHEAD')
    return new ERR_FORWARD_FORK(`Entitlement set refused: ${err.message}`, details, err);
  return err;
}
