/**
 * applyReceipt: the acknowledged cursor moves only on a gateway-signed receipt whose ackHash is
 * this ledger's own hash at ackSeq; never backwards, never past the head. A receipt that does
 * not match the agent's own chain is a fork (EDC_ERR_RECEIPT_FORK): the forwarder stops loudly.
 * Moving the cursor lowers the offline exposure by what the gateway now holds; the newest
 * receipt is kept (meta and head record) so a later open can tell a ledger behind it; and its
 * signed receivedAt is a gateway time for the trusted clock.
 */
import { genesisHash, SignedReceipt, verifyReceipt } from '../../protocol/messages/index.ts';
import { exposureReleased } from './arithmetic.ts';
import type { EngineContext } from './context.ts';
import { ERR_LEDGER_CORRUPT, ERR_RECEIPT_FORK, ERR_RECEIPT_INVALID, ERR_RECEIPT_SIGNATURE } from './errors.ts';
import type { CoreState } from './state.ts';
import { seqKey } from './store.ts';
import type { BatchOp, ChainPoint } from './types.ts';

export async function checkReceipt(input: unknown, state: CoreState, context: EngineContext): Promise<SignedReceipt> {
  const parsed = SignedReceipt.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ERR_RECEIPT_INVALID(
      `Cannot apply receipt: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
      {},
    );
  }
  const receipt = parsed.data;
  if (!verifyReceipt(receipt, context.gatewayPublicKey)) {
    throw new ERR_RECEIPT_SIGNATURE(
      `Cannot apply receipt ${receipt.receiptId}: its signature does not verify with the gateway key`,
      { receiptId: receipt.receiptId },
    );
  }
  if (receipt.agentId !== context.agentId) {
    throw new ERR_RECEIPT_INVALID(
      `Cannot apply receipt ${receipt.receiptId}: it is for agent ${receipt.agentId}, this agent is ${context.agentId}`,
      {},
    );
  }
  if (receipt.ackSeq > state.head.seq) {
    throw new ERR_RECEIPT_FORK(
      `Cannot apply receipt: gateway acknowledges seq ${receipt.ackSeq}, this ledger's head is seq ${state.head.seq}`,
      {
        ackSeq: receipt.ackSeq,
        headSeq: state.head.seq,
      },
    );
  }
  const own = await ownHash(receipt.ackSeq, context);
  if (own !== receipt.ackHash) {
    throw new ERR_RECEIPT_FORK(
      `Cannot apply receipt: at seq ${receipt.ackSeq} the gateway holds hash ${receipt.ackHash.slice(0, 12)}.., ` +
        `this ledger ${own.slice(0, 12)}..`,
      {
        ackSeq: receipt.ackSeq,
        gatewayHash: receipt.ackHash,
        ownHash: own,
      },
    );
  }
  return receipt;
}

async function ownHash(seq: number, context: EngineContext): Promise<string> {
  if (seq === 0) return genesisHash;
  const entry = (await context.db.sub.entries.get(seqKey(seq))) as { hash?: unknown } | undefined;
  if (typeof entry?.hash !== 'string')
    throw new ERR_LEDGER_CORRUPT(`Cannot apply receipt: entry ${seq} is missing from this ledger`, { seq });
  return entry.hash;
}

export interface ReceiptChange {
  readonly ops: BatchOp[];
  readonly next: Partial<CoreState>;
  readonly advanced: boolean;
}

export async function receiptOps(
  input: unknown,
  state: CoreState,
  context: EngineContext,
  now: number,
  observeGateway: (at: number) => void,
): Promise<ReceiptChange> {
  const receipt = await checkReceipt(input, state, context);
  observeGateway(receipt.receivedAt);
  const ops: BatchOp[] = [{ type: 'put', sublevel: 'meta', key: 'lastSyncAt', value: now }];
  const next: Partial<CoreState> = { lastSyncAt: now };
  if (state.receipt === null || receipt.ackSeq >= state.receipt.ackSeq) {
    ops.push({ type: 'put', sublevel: 'meta', key: 'receipt', value: receipt });
    next.receipt = receipt;
  }
  if (receipt.ackSeq <= state.ack.seq) return { ops, next, advanced: false };
  const exposure = state.exposure - (await exposureReleased(context.db, state.ack.seq, receipt.ackSeq));
  const ack: ChainPoint = { seq: receipt.ackSeq, hash: receipt.ackHash };
  ops.push({ type: 'put', sublevel: 'meta', key: 'ack', value: ack });
  ops.push({ type: 'put', sublevel: 'meta', key: 'exposure', value: exposure });
  return { ops, next: { ...next, ack, exposure }, advanced: true };
}
