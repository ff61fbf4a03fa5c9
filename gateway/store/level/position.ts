/**
 * A KPM's position in a tahap: the facts reconciliation needs (rows, withdrawals, reversals),
 * kept together so that a change to one KPM is re-classified from that one record. `update`
 * writes the new position and moves the counters, category indexes and settlements from the
 * old classification to the new one, all into the caller's batch.
 */
import {
  classifyPosition,
  type Classification,
  type PositionFacts,
  type ReversalFact,
  type RowFact,
  type WithdrawalFact,
} from '../../recon/classify.ts';
import {
  add,
  emptySettlement,
  emptyTahapCounters,
  settlementContributions,
  tahapContribution,
  type Counters,
} from '../../recon/counters.ts';
import type { PositionView, WithdrawalView } from '../types.ts';
import { k } from './keys.ts';
import type { Tx } from './db.ts';
import type { PanMatcher } from './pan.ts';

export type StoredRow = RowFact & {
  readonly line: number;
  readonly panSealed: string;
  readonly panHmac: string;
  readonly fileSha256: string;
};
export type StoredWithdrawal = Omit<WithdrawalFact, 'panOk'> & { readonly panHash: string };

export interface StoredPosition {
  readonly tahap: string;
  readonly kpmId: string;
  rows: StoredRow[];
  withdrawals: StoredWithdrawal[];
  reversals: ReversalFact[];
}

export const positionFactsMax = 10_000;

export interface ReconEnv {
  readonly matcher: PanMatcher;
  lookupKey(agentId: string): Promise<string | undefined>;
  closesAt(tahap: string): number | undefined;
}

export function emptyPosition(tahap: string, kpmId: string): StoredPosition {
  return { tahap, kpmId, rows: [], withdrawals: [], reversals: [] };
}

export async function classifyStored(pos: StoredPosition, env: ReconEnv): Promise<Classification> {
  const withdrawals: WithdrawalFact[] = [];
  for (const w of pos.withdrawals) {
    const { panHash, ...rest } = w;
    withdrawals.push({ ...rest, panOk: env.matcher.matches(await env.lookupKey(w.agentId), panHash, pos.rows) });
  }
  const facts: PositionFacts = {
    tahap: pos.tahap,
    kpmId: pos.kpmId,
    rows: pos.rows,
    withdrawals,
    reversals: pos.reversals,
  };
  return classifyPosition(facts, { closesAt: env.closesAt(pos.tahap) });
}

export function positionView(kpmId: string, c: Classification): PositionView {
  return {
    kpmId,
    bank: c.bank,
    regionCode: c.regionCode,
    category: c.category,
    credited: c.credited,
    failed: c.failed,
    returned: c.returned,
    drawn: c.drawn,
    withdrawn: c.withdrawn,
    unclaimed: c.unclaimed,
    overdrawnExcess: c.overdrawnExcess,
  };
}

function withdrawalViews(kpmId: string, c: Classification): WithdrawalView[] {
  return c.withdrawals.map((w) => ({
    agentId: w.agentId,
    seq: w.seq,
    hash: w.hash,
    kpmId,
    amount: w.amount,
    category: w.category,
    bank: c.bank,
    regionCode: c.regionCode,
  }));
}

/** Moves one KPM's contribution by `sign` in every derived record. */
async function contribute(tx: Tx, tahap: string, kpmId: string, c: Classification, sign: 1 | -1): Promise<void> {
  const ctrKey = k.counters(tahap, c.bank, c.regionCode);
  const ctr = (await tx.get<Counters>(ctrKey)) ?? emptyTahapCounters();
  add(ctr, tahapContribution(c), sign);
  if (ctr.kpm === 0) tx.del(ctrKey);
  else tx.put(ctrKey, ctr);
  for (const [agentId, delta] of settlementContributions(c)) {
    const stlKey = k.settlement(tahap, agentId);
    const stl = (await tx.get<Counters>(stlKey)) ?? emptySettlement();
    add(stl, delta, sign);
    tx.put(stlKey, stl);
  }
  const catKey = k.kpmCategory(tahap, c.category, kpmId);
  if (sign === 1) tx.put(catKey, positionView(kpmId, c));
  else tx.del(catKey);
  for (const w of withdrawalViews(kpmId, c)) {
    const wKey = k.withdrawalCategory(tahap, w.category, w.agentId, w.seq, w.hash);
    if (sign === 1) tx.put(wKey, w);
    else tx.del(wKey);
  }
}

/** Loads, lets `change` mutate, re-classifies and writes one position with its deltas. */
export async function updatePosition(
  tx: Tx,
  env: ReconEnv,
  tahap: string,
  kpmId: string,
  change: (pos: StoredPosition) => void,
): Promise<void> {
  const key = k.position(tahap, kpmId);
  const before = await tx.get<StoredPosition>(key);
  const pos: StoredPosition = before === undefined ? emptyPosition(tahap, kpmId) : structuredClone(before);
  if (before !== undefined) await contribute(tx, tahap, kpmId, await classifyStored(before, env), -1);
  change(pos);
  tx.put(key, pos);
  tx.put(k.tahap(tahap), '');
  await contribute(tx, tahap, kpmId, await classifyStored(pos, env), 1);
}
