/**
 * Runs async jobs one at a time, in submission order. Every change to the ledger (group-commit
 * rounds, entitlement installs, receipts, halts) goes through one of these, so each job sees the
 * state the previous one left and no two batches are built from the same head.
 */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
