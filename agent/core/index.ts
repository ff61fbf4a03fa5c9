/**
 * The agent's core: the LevelDB ledger, offline authorization and write-ahead group commit,
 * receipts, entitlement sets, verification and export. Public entry point of agent/core.
 *
 * The core authorizes only while its ledger is known good (authorization.ts): on open it loads
 * and verifies the ledger against its head record (load.ts); after a storage failure it answers
 * 96 and recovers on a new handle (recovery.ts); a damaged ledger refuses until an operator
 * acts. Time comes from a clock that cannot be set back (trusted-clock.ts).
 */
import { publicKeyFromSeed } from '../../protocol/crypto/index.ts';
import { isEdcError, type EdcError } from '../../protocol/errors.ts';
import { ulidFactory } from '../../protocol/ids.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import {
  sha256Hex,
  type LedgerEntry,
  type SignedEntitlementSet,
  type SignedReceipt,
} from '../../protocol/messages/index.ts';
import { silentLogger } from '../logger.ts';
import { authorizedState, refusedState } from './authorization.ts';
import { buildBundle } from './bundle.ts';
import { GroupCommitter, type CommitFailure, type CommitterDeps, type RecordedBatch } from './committer.ts';
import { compensationBatch } from './compensation.ts';
import { fingerprintKeyOf, type EngineContext } from './context.ts';
import { decideBalance } from './decide-card.ts';
import {
  ERR_CORE_ARGUMENT,
  ERR_LEDGER_CLOSED,
  ERR_LEDGER_CORRUPT,
  ERR_LEDGER_IDENTITY,
  ERR_LEDGER_RECOVERING,
  ERR_LEDGER_WRITE,
} from './errors.ts';
import { failedRoundText, type RecordedFailure } from './failed-round.ts';
import { storageFaultsFromEnv, storageFaultsEnv } from './faulty-db.ts';
import { checkHeadRecord } from './head-check.ts';
import { headFileWritesPending } from './head-file.ts';
import { encodeHeadRecord, encodeHeadRecordWithin, type HeadRecord } from './head-record.ts';
import { applyInstall, checkSet, installOps } from './install-set.ts';
import { haltReasonCharsMax } from './limits.ts';
import { loadChecked, type Loaded } from './load.ts';
import { checkOptions } from './options.ts';
import { receiptOps } from './receipts.ts';
import { Recovery } from './recovery.ts';
import { parseRequest } from './requests.ts';
import { buildResponse, ledgerDamagedText, storageFaultText } from './responses.ts';
import { applyRound, openRound, type Round } from './round.ts';
import { SealedPans } from './sealed-pans.ts';
import { SerialLock } from './serial.ts';
import { localDay, type CoreState } from './state.ts';
import { buildStatus } from './status.ts';
import { diskStorage, type LedgerDb, type LedgerStorage } from './store.ts';
import { TrustedClock } from './trusted-clock.ts';
import type {
  CoreDiagnostics,
  AgentCore,
  AgentCoreOptions,
  AgentCoreStatus,
  AuthorizationState,
  BatchOp,
  Bundle,
  ChainPoint,
  LedgerVerification,
} from './types.ts';
import { unacknowledgedEntries } from './unacknowledged.ts';
import { verifyLedger } from './verify.ts';

export type * from './types.ts';
export { coreErrors } from './errors.ts';
export { createStorageFaults, storageFaultsEnv, type StorageFaults, type StorageFaultPlan } from './faulty-db.ts';
export { diskStorage, type LedgerStorage } from './store.ts';

export async function openAgentCore(options: AgentCoreOptions): Promise<AgentCore> {
  const checked = checkOptions(options);
  const now = options.now ?? Date.now;
  const logger = (options.logger ?? silentLogger()).child({ component: 'agent-core' });
  const storage = options.storage ?? faultsFromEnv(logger) ?? diskStorage;
  const db = await storage.open(options.dir);
  const context: EngineContext = {
    agentId: options.agentId,
    seed: options.seed,
    publicKey: publicKeyFromSeed(options.seed),
    gatewayPublicKey: options.gatewayPublicKey,
    newId: ulidFactory({ now }),
    db,
    logger,
    utcOffsetMinutes: checked.utcOffsetMinutes,
    fingerprintKey: fingerprintKeyOf(options.seed),
    sealedPans: new SealedPans(),
  };
  try {
    await checkIdentity(db, context);
    const loaded = await loadChecked(storage, context, localDay(now(), checked.utcOffsetMinutes), 'refuse');
    const monotonic = options.monotonicNow ?? (() => performance.now());
    const clock = new TrustedClock(now, monotonic, loaded.state, checked.clockToleranceMs);
    const core = new Core(context, loaded.state, {
      ...checked,
      now,
      clock,
      storage,
      writeBatch: options.writeBatch ?? ((ops, write) => write(ops)),
    });
    await core.start(loaded);
    return core;
  } catch (error) {
    await context.db.close().catch(() => undefined);
    throw error;
  }
}

function faultsFromEnv(logger: EngineContext['logger']): LedgerStorage | undefined {
  const faults = storageFaultsFromEnv();
  if (faults === undefined) return undefined;
  logger.warn({ env: storageFaultsEnv }, 'STORAGE FAULT INJECTION IS ON (testing only): writes and reads will fail');
  return faults.storage;
}

function isIdentity(value: unknown): value is { agentId: string; publicKey: string } {
  const record = value as { agentId?: unknown; publicKey?: unknown } | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.agentId === 'string' &&
    typeof record.publicKey === 'string'
  );
}

/** A ledger is bound to one agent id and key on first open; any other is refused. */
async function checkIdentity(db: LedgerDb, context: EngineContext): Promise<void> {
  const identity = { agentId: context.agentId, publicKey: context.publicKey };
  const stored = await db.sub.meta.get('identity');
  if (stored === undefined) {
    await db.write([{ type: 'put', sublevel: 'meta', key: 'identity', value: identity }]);
    return;
  }
  if (!isIdentity(stored))
    throw new ERR_LEDGER_CORRUPT(
      'Cannot open the ledger: its identity record (meta) is damaged: expected {agentId, publicKey} strings',
    );
  if (stored.agentId !== identity.agentId || stored.publicKey !== identity.publicKey) {
    throw new ERR_LEDGER_IDENTITY(
      `Cannot open the ledger: it belongs to agent ${stored.agentId} (key ${stored.publicKey.slice(0, 8)}..), ` +
        `configured is agent ${identity.agentId} (key ${identity.publicKey.slice(0, 8)}..)`,
      { storedAgentId: stored.agentId, agentId: identity.agentId },
    );
  }
}

interface CoreDeps {
  readonly groupCommitMax: number;
  readonly pendingRequestsMax: number;
  readonly utcOffsetMinutes: number;
  readonly now: () => number;
  readonly clock: TrustedClock;
  readonly storage: LedgerStorage;
  readonly writeBatch: NonNullable<AgentCoreOptions['writeBatch']>;
}

class Core implements AgentCore {
  private readonly lock = new SerialLock();
  private readonly committer: GroupCommitter;
  private readonly recovery: Recovery;
  private authorization: AuthorizationState = authorizedState;
  /** The coded error behind a refusal, thrown again to callers that need the ledger. */
  private refusalCause: EdcError | undefined;
  private closed = false;
  private closing = false;

  constructor(
    private readonly context: EngineContext,
    private state: CoreState,
    private readonly deps: CoreDeps,
  ) {
    this.committer = new GroupCommitter({
      context,
      state: () => this.state,
      lock: this.lock,
      groupCommitMax: deps.groupCommitMax,
      pendingRequestsMax: deps.pendingRequestsMax,
      writeBatch: deps.writeBatch,
      time: () => deps.clock.read(),
      trustedTimes: () => deps.clock.times(),
      refusal: (message) => this.refusal(message),
      recordVersion: () => this.state.headRecordVersion + 1,
      afterWrite: (round, batch) => this.writeHeadRecord(round.head, round.now, batch),
      committed: (round) => this.committed(round),
      retract: (failed) => this.retractHeadRecord(failed),
      failed: (failure) => this.commitFailed(failure),
    });
    this.recovery = new Recovery({
      context,
      storage: deps.storage,
      lock: this.lock,
      state: () => this.state,
      setState: (state) => void (this.state = state),
      time: () => deps.clock.read(),
      trustedTimes: () => deps.clock.times(),
      load: () => loadChecked(deps.storage, context, this.today(), 'throw'),
      writeHeadRecord: () => this.writeHeadRecord(),
      stillFailing: (error) => this.refuse('storage-failed', error),
      damaged: (error) => this.refuse('ledger-damaged', error),
      recovered: () => {
        this.authorization = authorizedState;
        this.refusalCause = undefined;
      },
      closing: () => this.closing,
    });
  }

  /**
   * After open: refuse a damaged ledger, or bring the head record up to the ledger (which may
   * be ahead of it after a crash between a batch and its record). A failure here fails the
   * open: nothing has been decided yet, so a supervisor's restart loses nothing.
   */
  async start({ problem, failure }: Loaded): Promise<void> {
    if (problem !== undefined) return this.refuse('ledger-damaged', problem);
    await this.lock.run(async () => {
      if (failure !== undefined) await this.compensateRecorded(failure);
      await this.writeHeadRecord();
    });
  }

  /**
   * On open, before anything is decided: the approvals of a failed round that its head record
   * carries and no batch has reversed yet (a crash fell between its 96 answers and that batch).
   */
  private async compensateRecorded(failure: RecordedFailure): Promise<void> {
    const { context, state } = this;
    const built = await compensationBatch(context, state, this.deps.clock.read(), this.deps.clock.times(), [], failure);
    if (built === undefined) return;
    await context.db.write(built.ops);
    if (built.round !== undefined) applyRound(state, built.round);
    context.logger.warn(
      { reversals: built.round?.entries.length ?? 0, head: state.head.seq, recordVersion: failure.version },
      'approvals of a failed round answered 96 before a restart reversed (response_timeout)',
    );
  }

  async handle(message: IsoMessage): Promise<IsoMessage> {
    this.assertOpen();
    const request = parseRequest(message);
    let response: IsoMessage;
    if (request.kind === 'invalid') response = buildResponse(message, request.code);
    else if (request.kind === 'network') response = buildResponse(message, '00');
    else if (request.kind === 'balance')
      response =
        (this.authorization.state === 'ledger-damaged' ? this.refusal(message) : undefined) ??
        decideBalance(openRound(this.state, this.deps.clock.read(), this.deps.utcOffsetMinutes), message, request);
    else response = await this.committer.submit(message, request);
    // One line per answer at info is the link's (agent/link/answer.ts); the core's is for debugging.
    if (request.kind === 'invalid' || this.context.logger.isLevelEnabled('debug'))
      this.logAnswer(message, request, response);
    return response;
  }

  private logAnswer(message: IsoMessage, request: ReturnType<typeof parseRequest>, response: IsoMessage): void {
    this.context.logger[request.kind === 'invalid' ? 'info' : 'debug'](
      {
        mti: message.mti,
        stan: message.fields?.[11],
        terminalId: message.fields?.[41],
        code: response.fields[39],
        head: this.state.head.seq,
      },
      request.kind === 'invalid' ? `request refused: ${request.reason}` : 'request answered',
    );
  }

  head(): ChainPoint {
    return { ...this.state.head };
  }

  ackHead(): ChainPoint {
    return { ...this.state.ack };
  }

  /**
   * Works on a damaged ledger too: the intact entries before the damage were paid out and the
   * agent is owed them; the damaged one stops the forwarder loudly (unacknowledged.ts).
   */
  async unacknowledged(limit: number): Promise<LedgerEntry[]> {
    this.assertOpen();
    this.assertReadable();
    return unacknowledgedEntries(this.context, this.state.ack, limit);
  }

  applyReceipt(receipt: SignedReceipt): Promise<'advanced' | 'unchanged'> {
    this.assertOpen();
    return this.lock.run(async () => {
      this.assertReadable();
      const change = await receiptOps(receipt, this.state, this.context, this.deps.now(), (at) =>
        this.deps.clock.observeGateway(at),
      );
      await this.write([...change.ops, ...this.timeOps()]);
      Object.assign(this.state, change.next);
      await this.writeHeadRecordOrFail();
      if (change.advanced) this.context.logger.info({ ackSeq: this.state.ack.seq }, 'acknowledged cursor advanced');
      return change.advanced ? 'advanced' : 'unchanged';
    });
  }

  installEntitlementSet(set: SignedEntitlementSet): Promise<void> {
    this.assertOpen();
    return this.lock.run(async () => {
      this.assertUsable();
      const at = this.deps.clock.read().at;
      const checked = checkSet(set, this.state, this.context, at);
      this.deps.clock.observeGateway(checked.issuedAt);
      const { ops, remaining } = await installOps(checked, this.state, this.context, at, this.deps.clock.times());
      await this.write(ops);
      applyInstall(this.state, checked, remaining, at);
      await this.writeHeadRecordOrFail();
      this.context.logger.info(
        { setId: checked.setId, kpms: checked.entitlements.length, basedOnSeq: checked.basedOnSeq },
        'entitlement set installed',
      );
    });
  }

  setForwardingHalt(reason: string | null): Promise<void> {
    this.assertOpen();
    if (reason !== null && (typeof reason !== 'string' || reason.length === 0 || reason.length > haltReasonCharsMax)) {
      return Promise.reject(
        new ERR_CORE_ARGUMENT(`Cannot set forwarding halt: expected null or 1..${haltReasonCharsMax} characters`, {}),
      );
    }
    return this.lock.run(async () => {
      this.assertReadable();
      // LevelDB stores no null: clearing the halt deletes it.
      const op: BatchOp =
        reason === null
          ? { type: 'del', sublevel: 'meta', key: 'halt' }
          : { type: 'put', sublevel: 'meta', key: 'halt', value: reason };
      await this.write([op]);
      this.state.halt = reason;
      if (reason === null) this.context.logger.info('forwarding halt cleared');
      else this.context.logger.warn({ haltReason: reason }, 'forwarding halted');
    });
  }

  status(): Promise<AgentCoreStatus> {
    this.assertOpen();
    const reading = this.deps.clock.read();
    const times = this.deps.clock.times();
    return buildStatus(this.state, this.context, reading.wall, {
      authorization: reading.behind && this.authorization.state === 'ok' ? this.clockRefusal() : this.authorization,
      clock: { ...times, behindMs: reading.behindMs },
      readable: this.authorization.state !== 'storage-failed',
    });
  }

  /** Everything the ledger claims, and that it is not behind its head record or the last receipt. */
  verifyLedger(): Promise<LedgerVerification> {
    this.assertOpen();
    return this.lock.run(async () => {
      this.assertReadable();
      const result = await verifyLedger(this.context);
      const { problem } = await checkHeadRecord(this.deps.storage, this.context, { head: result.head });
      if (problem === undefined) return result;
      return { ...result, ok: false, problems: [`${problem.code}: ${problem.message}`, ...result.problems] };
    });
  }

  exportBundle(fromSeq?: number): Promise<Bundle> {
    this.assertOpen();
    return this.lock.run(() => {
      this.assertReadable();
      return buildBundle(fromSeq, this.state, this.context, this.deps.clock.read().at);
    });
  }

  /** Answers every request already submitted, ends recovery, then closes the ledger. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.committer.idle();
    await this.recovery.stop();
    await this.lock.run(() => this.context.db.close().catch(() => undefined));
    this.closed = true;
  }

  diagnostics(): CoreDiagnostics {
    return {
      ...this.committer.diagnostics(),
      authorization: this.authorization.state,
      headFileWritesPending: headFileWritesPending(),
    };
  }

  /** Batches written so far (tests and benchmarks count group commits with it). */
  get batchesWritten(): number {
    return this.committer.batches;
  }

  private today(): string {
    return localDay(this.deps.clock.read().at, this.deps.utcOffsetMinutes);
  }

  private timeOps(): BatchOp[] {
    const times = this.deps.clock.times();
    return [
      { type: 'put', sublevel: 'meta', key: 'timeHigh', value: times.timeHigh },
      { type: 'put', sublevel: 'meta', key: 'gatewayTimeHigh', value: times.gatewayTimeHigh },
    ];
  }

  private refusal(message: IsoMessage): IsoMessage | undefined {
    if (this.authorization.state === 'storage-failed') return buildResponse(message, '96', { text: storageFaultText });
    if (this.authorization.state === 'ledger-damaged') return buildResponse(message, '96', { text: ledgerDamagedText });
    return undefined;
  }

  private clockRefusal(): AuthorizationState {
    const reading = this.deps.clock.read();
    return refusedState(
      'clock-behind',
      {
        code: 'EDC_ERR_CLOCK_BEHIND',
        message:
          `The agent clock is ${Math.round(reading.behindMs / 1000)} s behind the highest time it has seen ` +
          `(${new Date(reading.at).toISOString()}): withdrawals are refused until it is fixed or the agent syncs`,
      },
      reading.wall,
    );
  }

  private refuse(state: 'storage-failed' | 'ledger-damaged', error: EdcError): void {
    if (this.authorization.state === 'ledger-damaged') return;
    const since = this.authorization.state === state ? this.authorization.since : this.deps.now();
    this.authorization = { ...refusedState(state, error, since ?? this.deps.now()) };
    this.refusalCause = error;
    if (state === 'ledger-damaged')
      this.context.logger.error({ err: error }, 'ledger damaged: authorization refused until an operator acts');
  }

  /**
   * After a failed round: the head record back at the committed head, without the round's batch.
   * A failure here leaves the record as it was (recovery writes the next one); if the failed batch
   * did reach the disk, the ledger is ahead of this record, which it may be.
   */
  private async retractHeadRecord(failed: Parameters<CommitterDeps['retract']>[0]): Promise<boolean> {
    try {
      const text = failed === undefined ? undefined : failedRoundText(failed.ops, failed.unheard);
      if (failed !== undefined && text === undefined)
        throw new ERR_LEDGER_WRITE(`Cannot record ${failed.unheard.length} unheard approvals: they exceed the record`);
      await this.writeHeadRecord(this.state.head, 0, undefined, text);
      return true;
    } catch (error) {
      this.context.logger.warn(
        { err: error, approvals: failed?.unheard.length ?? 0 },
        failed === undefined
          ? 'head record not moved back after a failed round'
          : 'failed round not recorded: its approvals are not answered (their terminals time out and reverse them)',
      );
      return false;
    }
  }

  private committed(round: Round): void {
    applyRound(this.state, round);
    this.deps.clock.observe(round.now);
  }

  private commitFailed(failure: CommitFailure): void {
    this.refuse('storage-failed', failure.error);
    this.recovery.failed(failure.ops, failure.unheard);
  }

  /** Any other write or read of the ledger that failed: the same fail-stop as a failed round. */
  private storageFailed(error: unknown, ops?: readonly BatchOp[]): never {
    const coded = isEdcError(error) ? error : new ERR_LEDGER_RECOVERING(String(error));
    this.refuse('storage-failed', coded);
    this.recovery.failed(ops, []);
    throw coded;
  }

  private async write(ops: readonly BatchOp[]): Promise<void> {
    try {
      await this.context.db.write(ops);
    } catch (error) {
      this.storageFailed(error, ops);
    }
  }

  private async writeHeadRecordOrFail(): Promise<void> {
    try {
      await this.writeHeadRecord();
    } catch (error) {
      this.storageFailed(error);
    }
  }

  /**
   * The head record after a change; it never names a head the ledger does not hold durably, or
   * (with `batch`, written beside the round's LevelDB batch) one it cannot complete from the
   * batch it carries (head-batch.ts).
   */
  private async writeHeadRecord(
    head: ChainPoint = this.state.head,
    at = 0,
    batch?: RecordedBatch,
    failed?: string,
  ): Promise<void> {
    const times = this.deps.clock.times();
    const version = this.state.headRecordVersion + 1;
    const record: HeadRecord = {
      v: 1,
      version,
      agentId: this.context.agentId,
      head,
      timeHigh: Math.max(times.timeHigh, at),
      gatewayTimeHigh: times.gatewayTimeHigh,
      receipt: this.state.receipt,
    };
    let text: string | undefined;
    let region: string | undefined;
    if (failed !== undefined) {
      const carried = { bytes: Buffer.byteLength(failed), sum: sha256Hex(failed) };
      text = encodeHeadRecordWithin({ ...record, failed: { ...carried, text: failed } });
      if (text === undefined) {
        text = encodeHeadRecord({ ...record, failed: carried });
        region = failed;
      }
    } else if (batch === undefined) text = encodeHeadRecord(record);
    else {
      const recorded = { from: batch.from, bytes: Buffer.byteLength(batch.text), sum: sha256Hex(batch.text) };
      // A small round (a lone terminal's) rides in the slot itself: one write; a bigger one goes
      // to the slot's batch region, written beside the slot.
      text = encodeHeadRecordWithin({ ...record, batch: { ...recorded, ops: batch.text } });
      if (text === undefined) {
        text = encodeHeadRecord({ ...record, batch: recorded });
        region = batch.text;
      }
    }
    await this.deps.storage.writeHeadRecordSlot(this.context.db.dir, version % 2 === 0 ? 0 : 1, text, region);
    this.state.headRecordVersion = version;
  }

  private assertOpen(): void {
    if (this.closed || this.closing)
      throw new ERR_LEDGER_CLOSED('Cannot use the agent core: it is closed or closing; reopen it');
  }

  /** A new entitlement set's arithmetic needs a ledger that is known good. */
  private assertUsable(): void {
    this.assertOpen();
    this.assertReadable();
    if (this.authorization.state === 'ledger-damaged') throw this.refusalError();
  }

  /** Reads need a handle that has not failed. */
  private assertReadable(): void {
    if (this.authorization.state === 'storage-failed') throw this.refusalError();
  }

  private refusalError(): EdcError {
    const { state, code, message } = this.authorization;
    if (state === 'storage-failed')
      return new ERR_LEDGER_RECOVERING(`Cannot use the ledger now: it is being reopened after ${code}: ${message}`);
    return this.refusalCause ?? new ERR_LEDGER_RECOVERING(`Cannot use the ledger now: ${message}`);
  }
}
