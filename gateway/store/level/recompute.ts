/**
 * Full recompute of a tahap from raw records, in one pass over sorted keys with bounded memory:
 * disbursement rows (drow!T!kpm!...), accepted entries (ent!T!kpm!...) and evidence
 * (evd!T!kpm!...) are all keyed by kpmId first, so a k-way merge yields one KPM's raw facts at a
 * time; the stored position (pos!T!kpm) is read in the same order and compared. Memory holds
 * one KPM, the counter buckets (bank x region) and the settlements (one per agent).
 */
import type { Counters } from '../../recon/counters.ts';
import { add, bucketOf, differences, emptySettlement, emptyTahapCounters, settlementContributions, tahapContribution } from '../../recon/counters.ts';
import type { Classification } from '../../recon/classify.ts';
import type { AgentRecord } from '../types.ts';
import type { Db } from './db.ts';
import { getJson, parseJson } from './db.ts';
import type { EvidenceRecord } from '../types.ts';
import type { RowRecord } from './disbursements.ts';
import type { SetInfo, StoredEntry } from './ingest.ts';
import { range, sep } from './keys.ts';
import { classifyStored, emptyPosition, type ReconEnv, type StoredPosition } from './position.ts';

export const reconDifferencesMax = 100;
const setCacheMax = 100_000;

type Source = 'drow' | 'ent' | 'evd' | 'pos';

interface Cursor {
  readonly source: Source;
  readonly it: AsyncIterator<[string, string]>;
  current: [string, string] | undefined;
}

async function advance(c: Cursor): Promise<void> {
  const next = await c.it.next();
  c.current = next.done === true ? undefined : next.value;
}

function kpmOf(key: string): string {
  return key.split(sep)[2] ?? '';
}

export interface RecomputeOutput {
  kpmCount: number;
  totals: Counters;
  buckets: Map<string, Counters>;
  settlements: Map<string, Counters>;
  differences: string[];
}

class RawReader {
  readonly #agents = new Map<string, AgentRecord | undefined>();
  readonly #sets = new Map<string, SetInfo | undefined>();
  constructor(private readonly db: Db) {}

  async agent(agentId: string): Promise<AgentRecord | undefined> {
    if (!this.#agents.has(agentId)) this.#agents.set(agentId, await getJson<AgentRecord>(this.db, `agent${sep}${agentId}`));
    return this.#agents.get(agentId);
  }

  async set(setId: string): Promise<SetInfo | undefined> {
    if (!this.#sets.has(setId)) {
      if (this.#sets.size >= setCacheMax) this.#sets.clear();
      this.#sets.set(setId, await getJson<SetInfo>(this.db, `eset${sep}${setId}`));
    }
    return this.#sets.get(setId);
  }
}

async function addEntryFact(pos: StoredPosition, reader: RawReader, stored: StoredEntry, fault: boolean): Promise<void> {
  const e = stored.entry;
  if (e.kind === 'reversal') {
    pos.reversals.push({ agentId: e.agentId, seq: e.seq, reverses: e.reverses, reversesSeq: e.reversesSeq, amount: e.amount, fault });
    return;
  }
  const agent = await reader.agent(e.agentId);
  const set = await reader.set(e.entitlementSetId);
  pos.withdrawals.push({
    agentId: e.agentId,
    seq: e.seq,
    id: e.id,
    hash: e.hash,
    amount: e.amount,
    dupKey: `${e.terminalId}|${e.stan}|${e.localDate}`,
    receivedAt: stored.receivedAt,
    at: e.at,
    setExpiresAt: set !== undefined && set.agentId === e.agentId ? set.expiresAt : undefined,
    panHash: e.panHash,
    fault,
    agentBank: agent?.bank ?? 'UNKNOWN',
    agentRegion: agent?.regionCode ?? 'UNKNOWN',
  });
}

async function addRaw(pos: StoredPosition, reader: RawReader, source: Source, key: string, value: string): Promise<void> {
  if (source === 'drow') {
    const parts = key.split(sep);
    const r = parseJson<RowRecord>(key, value);
    const bank = parts[3] ?? '';
    const reference = parts.slice(4).join(sep);
    pos.rows.push({ bank, reference, regionCode: r.regionCode, amount: r.amount, status: r.status, line: r.line, panSealed: r.sealed, panHmac: r.panHmac, fileSha256: r.fileSha256 });
  } else if (source === 'ent') {
    await addEntryFact(pos, reader, parseJson<StoredEntry>(key, value), false);
  } else {
    const ev = parseJson<EvidenceRecord>(key, value);
    await addEntryFact(pos, reader, { entry: ev.found, receivedAt: ev.receivedAt }, true);
  }
}

function sameClassification(a: Classification, b: Classification): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function accumulate(out: RecomputeOutput, c: Classification): void {
  const contribution = tahapContribution(c);
  let bucket = out.buckets.get(bucketOf(c));
  if (bucket === undefined) {
    bucket = emptyTahapCounters();
    out.buckets.set(bucketOf(c), bucket);
  }
  add(bucket, contribution);
  add(out.totals, contribution);
  for (const [agentId, delta] of settlementContributions(c)) {
    let s = out.settlements.get(agentId);
    if (s === undefined) {
      s = emptySettlement();
      out.settlements.set(agentId, s);
    }
    add(s, delta);
  }
  out.kpmCount += 1;
}

function note(out: RecomputeOutput, text: string): void {
  if (out.differences.length < reconDifferencesMax) out.differences.push(text);
}

export async function recompute(db: Db, env: ReconEnv, tahap: string): Promise<RecomputeOutput> {
  const reader = new RawReader(db);
  const out: RecomputeOutput = { kpmCount: 0, totals: emptyTahapCounters(), buckets: new Map(), settlements: new Map(), differences: [] };
  const cursors: Cursor[] = (['drow', 'ent', 'evd', 'pos'] as const).map((source) => ({ source, it: db.iterator(range(source, tahap))[Symbol.asyncIterator](), current: undefined }));
  for (const c of cursors) await advance(c);
  while (true) {
    const live = cursors.filter((c) => c.current !== undefined);
    if (live.length === 0) break;
    const kpmId = live.map((c) => kpmOf(c.current![0])).sort()[0]!;
    const pos = emptyPosition(tahap, kpmId);
    let stored: StoredPosition | undefined;
    for (const c of live) {
      while (c.current !== undefined && kpmOf(c.current[0]) === kpmId) {
        if (c.source === 'pos') stored = parseJson<StoredPosition>(c.current[0], c.current[1]);
        else await addRaw(pos, reader, c.source, c.current[0], c.current[1]);
        await advance(c);
      }
    }
    const fresh = await classifyStored(pos, env);
    if (pos.rows.length + pos.withdrawals.length + pos.reversals.length > 0) accumulate(out, fresh);
    if (stored === undefined) note(out, `position ${kpmId}: missing from the continuous state`);
    else if (!sameClassification(await classifyStored(stored, env), fresh)) note(out, `position ${kpmId}: continuous classification differs from recompute`);
  }
  return out;
}

export function compareCounters(out: RecomputeOutput, stored: { buckets: Map<string, Counters>; settlements: Map<string, Counters> }): void {
  for (const bucket of new Set([...out.buckets.keys(), ...stored.buckets.keys()])) {
    const diff = differences(out.buckets.get(bucket) ?? {}, stored.buckets.get(bucket) ?? {});
    if (diff.length > 0) note(out, `counters ${bucket}: ${diff.join(', ')}`);
  }
  for (const agentId of new Set([...out.settlements.keys(), ...stored.settlements.keys()])) {
    const diff = differences(out.settlements.get(agentId) ?? {}, stored.settlements.get(agentId) ?? {});
    if (diff.length > 0) note(out, `settlement ${agentId}: ${diff.join(', ')}`);
  }
}
