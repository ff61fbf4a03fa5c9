/**
 * applyReceipt: the acknowledged cursor moves only on a gateway-signed receipt whose ackHash is
 * this ledger's own hash at ackSeq; never backwards, never past the head. A receipt that does
 * not match the agent's own chain is a fork (EDC_ERR_RECEIPT_FORK): the forwarder stops loudly.
 */
import { genesisHash, SignedReceipt, verifyReceipt } from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { ERR_LEDGER_CORRUPT, ERR_RECEIPT_FORK, ERR_RECEIPT_INVALID, ERR_RECEIPT_SIGNATURE } from './errors.ts';
import type { CoreState } from './state.ts';
import { seqKey } from './store.ts';
import type { ChainPoint } from './types.ts';

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

export function nextAck(receipt: SignedReceipt, current: ChainPoint): ChainPoint | undefined {
  return receipt.ackSeq > current.seq ? { seq: receipt.ackSeq, hash: receipt.ackHash } : undefined;
}
