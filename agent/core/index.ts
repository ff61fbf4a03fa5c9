/**
 * The agent's core: the LevelDB ledger, offline authorization and write-ahead group commit,
 * receipts, entitlement sets, verification and export. Public entry point of agent/core.
 */
import { publicKeyFromSeed } from '../../protocol/crypto/index.ts';
import { ulidFactory } from '../../protocol/ids.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import {
  findChainBreak,
  LedgerEntry,
  type SignedEntitlementSet,
  type SignedReceipt,
} from '../../protocol/messages/index.ts';
import { silentLogger } from '../logger.ts';
import { buildBundle } from './bundle.ts';
import { GroupCommitter } from './committer.ts';
import { fingerprintKeyOf, type EngineContext } from './context.ts';
import { decideBalance } from './decide-card.ts';
import { ERR_CORE_ARGUMENT, ERR_LEDGER_CLOSED, ERR_LEDGER_CORRUPT, ERR_LEDGER_IDENTITY } from './errors.ts';
import { applyInstall, checkSet, installOps } from './install-set.ts';
import { haltReasonCharsMax, unacknowledgedLimitMax } from './limits.ts';
import { checkOptions } from './options.ts';
import { nextAck, checkReceipt } from './receipts.ts';
import { parseRequest } from './requests.ts';
import { buildResponse } from './responses.ts';
import { openRound } from './round.ts';
import { SerialLock } from './serial.ts';
import { loadState, localDay, type CoreState } from './state.ts';
import { buildStatus } from './status.ts';
import { openLedgerDb, seqKey, type LedgerDb } from './store.ts';
import type {
  AgentCore,
  AgentCoreOptions,
  AgentCoreStatus,
  BatchOp,
  Bundle,
  ChainPoint,
  LedgerVerification,
} from './types.ts';
import { verifyLedger } from './verify.ts';

export type * from './types.ts';
export { coreErrors } from './errors.ts';

export async function openAgentCore(options: AgentCoreOptions): Promise<AgentCore> {
  const { groupCommitMax, utcOffsetMinutes } = checkOptions(options);
  const now = options.now ?? Date.now;
  const db = await openLedgerDb(options.dir);
  try {
    const context: EngineContext = {
      agentId: options.agentId,
      seed: options.seed,
      publicKey: publicKeyFromSeed(options.seed),
      gatewayPublicKey: options.gatewayPublicKey,
      newId: ulidFactory({ now }),
      db,
      logger: (options.logger ?? silentLogger()).child({ component: 'agent-core' }),
      utcOffsetMinutes,
      fingerprintKey: fingerprintKeyOf(options.seed),
    };
    await checkIdentity(db, context);
    const state = await loadState(db, options.gatewayPublicKey, localDay(now(), utcOffsetMinutes));
    return new Core(context, state, {
      groupCommitMax,
      now,
      writeBatch: options.writeBatch ?? ((ops, write) => write(ops)),
    });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** A ledger is bound to one agent id and key on first open; any other is refused. */
async function checkIdentity(db: LedgerDb, context: EngineContext): Promise<void> {
  const identity = { agentId: context.agentId, publicKey: context.publicKey };
  const stored = (await db.sub.meta.get('identity')) as typeof identity | undefined;
  if (stored === undefined) {
    await db.write([{ type: 'put', sublevel: 'meta', key: 'identity', value: identity }]);
    return;
  }
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
  readonly now: () => number;
  readonly writeBatch: NonNullable<AgentCoreOptions['writeBatch']>;
}

class Core implements AgentCore {
  private readonly lock = new SerialLock();
  private readonly committer: GroupCommitter;
  private closed = false;

  constructor(
    private readonly context: EngineContext,
    private state: CoreState,
    private readonly deps: CoreDeps,
  ) {
    this.committer = new GroupCommitter({
      context,
      state: () => this.state,
      reload: () => this.reload(),
      lock: this.lock,
      groupCommitMax: deps.groupCommitMax,
      writeBatch: deps.writeBatch,
      now: deps.now,
    });
  }

  async handle(message: IsoMessage): Promise<IsoMessage> {
    this.assertOpen();
    const request = parseRequest(message);
    let response: IsoMessage;
    if (request.kind === 'invalid') response = buildResponse(message, request.code);
    else if (request.kind === 'network') response = buildResponse(message, '00');
    else if (request.kind === 'balance')
      response = decideBalance(openRound(this.state, this.deps.now(), this.context.utcOffsetMinutes), message, request);
    else response = await this.committer.submit(message, request);
    this.context.logger.info(
      {
        mti: message.mti,
        stan: message.fields?.[11],
        terminalId: message.fields?.[41],
        code: response.fields[39],
        head: this.state.head.seq,
      },
      request.kind === 'invalid' ? `request refused: ${request.reason}` : 'request answered',
    );
    return response;
  }

  head(): ChainPoint {
    return { ...this.state.head };
  }

  ackHead(): ChainPoint {
    return { ...this.state.ack };
  }

  async unacknowledged(limit: number): Promise<LedgerEntry[]> {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > unacknowledgedLimitMax) {
      throw new ERR_CORE_ARGUMENT(
        `Cannot list unacknowledged entries: expected limit 1..${unacknowledgedLimitMax}, found ${String(limit)}`,
        { limit },
      );
    }
    const ack = this.state.ack;
    const values = await this.context.db.sub.entries.values({ gt: seqKey(ack.seq), limit }).all();
    const entries: LedgerEntry[] = [];
    for (const value of values) {
      const parsed = LedgerEntry.safeParse(value);
      if (!parsed.success) break;
      entries.push(parsed.data);
    }
    // Paired with the commit-time assertion: what leaves for the gateway is an intact chain. The
    // intact entries before a break still go (that cash was paid out and the agent is owed it);
    // the forwarder halts loudly when the broken entry is the next to go.
    const broken = findChainBreak(entries, ack, this.context.publicKey);
    const intact = broken === undefined ? entries.length : broken.index;
    if (intact === 0 && values.length > 0) {
      const seq = ack.seq + 1;
      const problem =
        broken === undefined ? 'does not match the LedgerEntry schema' : `breaks the chain (${broken.kind})`;
      throw new ERR_LEDGER_CORRUPT(`Cannot forward: entry ${seq} ${problem}`, {
        seq,
        ...(broken ?? { kind: 'schema' }),
      });
    }
    return entries.slice(0, intact);
  }

  applyReceipt(receipt: SignedReceipt): Promise<'advanced' | 'unchanged'> {
    this.assertOpen();
    return this.lock.run(async () => {
      const checked = await checkReceipt(receipt, this.state, this.context);
      const next = nextAck(checked, this.state.ack);
      const at = this.deps.now();
      const ops: BatchOp[] = [{ type: 'put', sublevel: 'meta', key: 'lastSyncAt', value: at }];
      if (next !== undefined) ops.push({ type: 'put', sublevel: 'meta', key: 'ack', value: next });
      await this.context.db.write(ops);
      this.state.lastSyncAt = at;
      if (next === undefined) return 'unchanged';
      this.state.ack = next;
      this.context.logger.info({ ackSeq: next.seq }, 'acknowledged cursor advanced');
      return 'advanced';
    });
  }

  installEntitlementSet(set: SignedEntitlementSet): Promise<void> {
    this.assertOpen();
    return this.lock.run(async () => {
      const at = this.deps.now();
      const checked = checkSet(set, this.state, this.context, at);
      const { ops, remaining, floatLeft } = await installOps(checked, this.state, this.context, at);
      await this.context.db.write(ops);
      applyInstall(this.state, checked, remaining, floatLeft, at);
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
      await this.context.db.write([{ type: 'put', sublevel: 'meta', key: 'halt', value: reason }]);
      this.state.halt = reason;
      this.context.logger.warn(
        { haltReason: reason },
        reason === null ? 'forwarding halt cleared' : 'forwarding halted',
      );
    });
  }

  status(): Promise<AgentCoreStatus> {
    this.assertOpen();
    return buildStatus(this.state, this.context, this.deps.now());
  }

  verifyLedger(): Promise<LedgerVerification> {
    this.assertOpen();
    return this.lock.run(() => verifyLedger(this.context));
  }

  exportBundle(fromSeq?: number): Promise<Bundle> {
    this.assertOpen();
    return this.lock.run(() => buildBundle(fromSeq, this.state, this.context, this.deps.now()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lock.run(() => this.context.db.close());
  }

  /** Batches written so far (tests and benchmarks count group commits with it). */
  get batchesWritten(): number {
    return this.committer.batches;
  }

  private async reload(): Promise<void> {
    try {
      this.state = await loadState(
        this.context.db,
        this.context.gatewayPublicKey,
        localDay(this.deps.now(), this.context.utcOffsetMinutes),
      );
    } catch (error) {
      // Memory can no longer be trusted to match disk: refuse everything until reopened.
      this.closed = true;
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed)
      throw new ERR_LEDGER_CLOSED(
        'Cannot use the agent core: it is closed (or failed to reload after a write error); reopen it',
      );
  }
}
