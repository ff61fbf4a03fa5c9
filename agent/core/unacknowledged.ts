/**
 * unacknowledged(): the entries after the acknowledged cursor, in order, for the forwarder.
 * Paired with the commit-time assertion: what leaves for the gateway is an intact chain. The
 * intact entries before a break still go (that cash was paid out and the agent is owed it);
 * the forwarder halts loudly when the broken entry is the next to go.
 *
 * Every entry's schema, seq, link and hash are checked (any change to what was signed shows),
 * and the signature of the last entry handed out (findNewEntryBreak, as at commit): checking
 * all 10,000 signatures of a backlog cost the agent as much CPU as the gateway's own check of
 * the same entries, in series with it. A damaged signature byte alone is caught by the gateway
 * (422 signature, which halts the forwarder) or here once it is the last of a batch.
 */
import { LedgerEntry } from '../../protocol/messages/index.ts';
import { findNewEntryBreak } from './committer.ts';
import type { EngineContext } from './context.ts';
import { ERR_CORE_ARGUMENT, ERR_LEDGER_CORRUPT } from './errors.ts';
import { unacknowledgedLimitMax } from './limits.ts';
import { seqKey } from './store.ts';
import type { ChainPoint } from './types.ts';

export async function unacknowledgedEntries(
  context: EngineContext,
  ack: ChainPoint,
  limit: number,
): Promise<LedgerEntry[]> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > unacknowledgedLimitMax) {
    throw new ERR_CORE_ARGUMENT(
      `Cannot list unacknowledged entries: expected limit 1..${unacknowledgedLimitMax}, found ${String(limit)}`,
      { limit },
    );
  }
  const values = (await context.db.sub.entries.all({ gt: seqKey(ack.seq), limit })).map(([, value]) => value);
  const entries: LedgerEntry[] = [];
  for (const value of values) {
    const parsed = LedgerEntry.safeParse(value);
    if (!parsed.success) break;
    entries.push(parsed.data);
  }
  const broken = findNewEntryBreak(entries, ack, context.publicKey);
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
