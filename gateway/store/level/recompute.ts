/**
 * Full recompute of a tahap from raw records, in one pass over sorted keys with bounded memory:
 * disbursement rows (drow!T!kpm!...), accepted entries (ent!T!kpm!...), evidence
 * (evd!T!kpm!...) and resolutions (res!T!kpm!...) are all keyed by kpmId first, so a k-way merge
 * yields one KPM's raw facts at a time; the stored position (pos!T!kpm) is read in the same
 * order and compared. A withdrawal's set facts come from the issued sets (entitlement-sets.ts). Memory holds
 * one KPM, the counter buckets (bank x region, as numbers: bucket-table.ts) and the settlements
 * (one per agent). Everything is read from one snapshot, so the state cannot move under it.
 */
import type { Snapshot } from 'classic-level';
import type { Classification } from '../../recon/classify.ts';
import { classifyRaw, type ReconEnv } from '../../recon/classify-raw.ts';
import {
  addTahapCounters,
  addSettlementCounters,
  dayDifferences,
  emptyDayCounters,
  emptySettlementCounters,
  emptyTahapCounters,
  settlementContributions,
  settlementDifferences,
  tahapDifferences,
  type SettlementCounters,
  type TahapCounters,
} from '../../recon/counters.ts';
import type { ResolutionFact, SetFact } from '../../recon/classify.ts';
import { evidenceHash } from '../../recon/evidence.ts';
import { addEntryFact, addResolutionFact, emptyFacts, factCount } from '../../recon/facts.ts';
import { setFactOf, type RawFacts } from '../../recon/facts.ts';
import { sameFacts } from '../../recon/facts-equal.ts';
import type { AgentRecord, EvidenceRecord } from '../types.ts';
import { BucketTable } from './bucket-table.ts';
import { parseDayCounters, parseSettlementCounters, parseTahapCounters } from './counter-records.ts';
import { BatchCursor } from './cursor.ts';
import type { Db } from './db.ts';
import { parseJson } from './db.ts';
import { grantOf, type StoredSet } from './entitlement-sets.ts';
import { effectiveStatus, type RowRecord } from './disbursements.ts';
import type { StoredEntry, StoredEvidence } from './ingest.ts';
import { range, sep } from './keys.ts';
import type { StoredPosition } from './position.ts';
import { decodePosition } from './position-codec.ts';

export const reconDifferencesMax = 100;
const setCacheMax = 100_000;

type Source = 'drow' | 'ent' | 'evd' | 'res' | 'pos';
const sources = ['drow', 'ent', 'evd', 'res', 'pos'] as const;

export interface RecomputeOutput {
  kpmCount: number;
  buckets: BucketTable;
  settlements: Map<string, SettlementCounters>;
  differences: string[];
}

export function emptyRecomputeOutput(): RecomputeOutput {
  return { kpmCount: 0, buckets: new BucketTable(), settlements: new Map(), differences: [] };
}

/** The note for a KPM whose stored position is missing (stored: false) or classifies differently. */
export function positionNote(kpmId: string, stored: boolean): string {
  return stored
    ? `position ${kpmId}: continuous classification differs from recompute`
    : `position ${kpmId}: missing from the continuous state`;
}

class RawReader {
  readonly #agents = new Map<string, AgentRecord | undefined>();
  readonly #sets = new Map<string, StoredSet | undefined>();
  constructor(
    private readonly db: Db,
    private readonly snapshot: Snapshot | undefined,
  ) {}

  async #get<T>(key: string): Promise<T | undefined> {
    const text = await this.db.get(key, this.snapshot === undefined ? {} : { snapshot: this.snapshot });
    return text === undefined ? undefined : parseJson<T>(key, text);
  }

  async agent(agentId: string): Promise<AgentRecord | undefined> {
    if (!this.#agents.has(agentId)) this.#agents.set(agentId, await this.#get<AgentRecord>(`agent${sep}${agentId}`));
    return this.#agents.get(agentId);
  }

  async #set(setId: string): Promise<StoredSet | undefined> {
    if (!this.#sets.has(setId)) {
      if (this.#sets.size >= setCacheMax) this.#sets.clear();
      this.#sets.set(setId, await this.#get<StoredSet>(`eset${sep}${setId}`));
    }
    return this.#sets.get(setId);
  }

  /** The set a withdrawal names, as a fact (what it granted the KPM read at the snapshot). */
  async setFact(entry: { agentId: string; tahap: string; kpmId: string; entitlementSetId: string }) {
    const set = await this.#set(entry.entitlementSetId);
    if (set === undefined || setFactOf(entry, set, undefined) === undefined) return undefined;
    return setFactOf(entry, set, await grantOf(this.db, set, entry.kpmId, this.snapshot));
  }
}

async function addStoredEntry(
  facts: RawFacts,
  reader: RawReader,
  stored: StoredEntry,
  evidence: EvidenceRecord | undefined,
): Promise<void> {
  const e = stored.entry;
  const withdrawal = e.kind === 'withdrawal';
  let set: SetFact | undefined = stored.set ?? undefined;
  if (withdrawal && stored.set === undefined) set = await reader.setFact(e);
  addEntryFact(facts, e, {
    receivedAt: stored.receivedAt,
    source: evidence?.kind ?? 'chain',
    evidenceHash: evidence === undefined ? undefined : (evidence.evidenceHash ?? evidenceHash(evidence.found)),
    set,
    agent: withdrawal ? await reader.agent(e.agentId) : undefined,
  });
}

/** A disbursement row needs no look-ups, so the common KPM (rows only) is gathered without awaiting. */
function addRow(pos: RawFacts, key: string, value: string): void {
  const parts = key.split(sep);
  const r = parseJson<RowRecord>(key, value);
  const bank = parts[3] ?? '';
  const reference = parts.slice(4).join(sep);
  pos.rows.push({
    bank,
    reference,
    regionCode: r.regionCode,
    amount: r.amount,
    status: effectiveStatus(r),
    line: r.line,
    panSealed: r.sealed,
    panHmac: r.panHmac,
    fileSha256: r.fileSha256,
  });
}

async function addEntry(
  pos: RawFacts,
  reader: RawReader,
  source: 'ent' | 'evd',
  key: string,
  value: string,
): Promise<void> {
  if (source === 'ent') await addStoredEntry(pos, reader, parseJson<StoredEntry>(key, value), undefined);
  else {
    const ev = parseJson<StoredEvidence>(key, value);
    await addStoredEntry(pos, reader, { entry: ev.found, receivedAt: ev.receivedAt, set: ev.set }, ev);
  }
}

function sameClassification(a: Classification, b: Classification): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function accumulate(out: RecomputeOutput, c: Classification): void {
  out.buckets.add(c);
  for (const [agentId, delta] of settlementContributions(c)) {
    let s = out.settlements.get(agentId);
    if (s === undefined) {
      s = emptySettlementCounters();
      out.settlements.set(agentId, s);
    }
    addSettlementCounters(s, delta);
  }
  out.kpmCount += 1;
}

export function note(out: RecomputeOutput, text: string): void {
  if (out.differences.length < reconDifferencesMax) out.differences.push(text);
}

/** The smallest kpmId any cursor stands on; undefined when all have ended. */
function nextKpm(cursors: readonly BatchCursor[]): string | undefined {
  let min: string | undefined;
  for (const c of cursors) if (c.key !== undefined && (min === undefined || c.kpmId < min)) min = c.kpmId;
  return min;
}

/** Gathers one KPM's raw facts and stored position from every cursor standing on it. */
async function gather(
  cursors: readonly BatchCursor[],
  reader: RawReader,
  pos: RawFacts,
): Promise<StoredPosition | undefined> {
  let stored: StoredPosition | undefined;
  for (let i = 0; i < cursors.length; i++) {
    const c = cursors[i]!;
    const source: Source = sources[i]!;
    while (c.key !== undefined && c.kpmId === pos.kpmId) {
      if (source === 'pos') stored = decodePosition(c.key, parseJson<unknown>(c.key, c.value));
      else if (source === 'drow') addRow(pos, c.key, c.value);
      else if (source === 'res') {
        const r = parseJson<ResolutionFact>(c.key, c.value);
        addResolutionFact(pos, { ref: r.ref, reason: r.reason });
      } else await addEntry(pos, reader, source, c.key, c.value);
      c.advance();
      if (c.needsFill) await c.fill();
    }
  }
  return stored;
}

/** Recomputes every KPM the tahap's records name, into `out` (a fresh output unless given). */
export async function recompute(
  db: Db,
  env: ReconEnv,
  tahap: string,
  snapshot: Snapshot | undefined,
  out: RecomputeOutput = emptyRecomputeOutput(),
): Promise<RecomputeOutput> {
  const reader = new RawReader(db, snapshot);
  const cursors = sources.map((source) => new BatchCursor(db, range(source, tahap), snapshot));
  try {
    for (const c of cursors) await c.fill();
    for (let kpmId = nextKpm(cursors); kpmId !== undefined; kpmId = nextKpm(cursors)) {
      const pos = emptyFacts(tahap, kpmId);
      const stored = await gather(cursors, reader, pos);
      const fresh = await classifyRaw(pos, env);
      if (factCount(pos) > 0) accumulate(out, fresh);
      if (stored === undefined) note(out, positionNote(kpmId, false));
      else if (!sameFacts(stored, pos) && !sameClassification(await classifyRaw(stored, env), fresh))
        note(out, positionNote(kpmId, true));
    }
  } finally {
    for (const c of cursors) await c.close();
  }
  return out;
}

/** Each bank's stored rollup (bank-counters.ts) against the sum of the recompute's buckets of that bank. */
async function compareBankCounters(
  db: Db,
  out: RecomputeOutput,
  tahap: string,
  options: { snapshot?: Snapshot },
): Promise<void> {
  const sums = new Map<string, TahapCounters>();
  for (const bucket of out.buckets.names()) {
    const bank = bucket.slice(0, bucket.indexOf('/'));
    let sum = sums.get(bank);
    if (sum === undefined) sums.set(bank, (sum = emptyTahapCounters()));
    addTahapCounters(sum, out.buckets.get(bucket)!);
  }
  const stored = new Map<string, TahapCounters>();
  for await (const [key, value] of db.iterator({ ...range('ctrb', tahap), ...options }))
    stored.set(key.split(sep)[2] ?? '', parseTahapCounters(key, value));
  for (const bank of [...new Set([...sums.keys(), ...stored.keys()])].sort()) {
    const diff = tahapDifferences(sums.get(bank) ?? emptyTahapCounters(), stored.get(bank) ?? emptyTahapCounters());
    if (diff.length > 0) note(out, `bank counters ${bank}: ${diff.join(', ')}`);
  }
}

/** Streams the stored counters and settlements (from the same snapshot) against the recompute's. */
export async function compareCounters(
  db: Db,
  out: RecomputeOutput,
  tahap: string,
  snapshot: Snapshot | undefined,
): Promise<void> {
  const seen = new Set<string>();
  const options = snapshot === undefined ? {} : { snapshot };
  for await (const [key, value] of db.iterator({ ...range('ctr', tahap), ...options })) {
    const [, , bank, region] = key.split(sep);
    const bucket = `${bank}/${region}`;
    seen.add(bucket);
    const diff = tahapDifferences(out.buckets.get(bucket) ?? emptyTahapCounters(), parseTahapCounters(key, value));
    if (diff.length > 0) note(out, `counters ${bucket}: ${diff.join(', ')}`);
  }
  for (const bucket of out.buckets.names()) {
    if (seen.has(bucket)) continue;
    const diff = tahapDifferences(out.buckets.get(bucket) ?? emptyTahapCounters(), emptyTahapCounters());
    if (diff.length > 0) note(out, `counters ${bucket}: ${diff.join(', ')}`);
  }
  await compareBankCounters(db, out, tahap, options);
  const stored = new Map<string, SettlementCounters>();
  for await (const [key, value] of db.iterator({ ...range('stl', tahap), ...options }))
    stored.set(key.split(sep)[2] ?? '', parseSettlementCounters(key, value));
  for (const agentId of new Set([...out.settlements.keys(), ...stored.keys()])) {
    const diff = settlementDifferences(
      out.settlements.get(agentId) ?? emptySettlementCounters(),
      stored.get(agentId) ?? emptySettlementCounters(),
    );
    if (diff.length > 0) note(out, `settlement ${agentId}: ${diff.join(', ')}`);
  }
  await compareDays(db, out, tahap, options);
}

/** The stored withdrawals per bank and local date against the recompute's (`days BANK/MMDD: count`). */
async function compareDays(db: Db, out: RecomputeOutput, tahap: string, options: { snapshot?: Snapshot }) {
  const stored = new Map<string, string>();
  for await (const [key, value] of db.iterator({ ...range('dctr', tahap), ...options })) {
    const [, , bank, localDate] = key.split(sep);
    stored.set(`${bank}/${localDate}`, key);
    const diff = dayDifferences(
      out.buckets.days.get(`${bank}/${localDate}`) ?? emptyDayCounters(),
      parseDayCounters(key, value),
    );
    if (diff.length > 0) note(out, `days ${bank}/${localDate}: ${diff.join(', ')}`);
  }
  for (const [name, day] of out.buckets.days) {
    if (stored.has(name)) continue;
    const diff = dayDifferences(day, emptyDayCounters());
    if (diff.length > 0) note(out, `days ${name}: ${diff.join(', ')}`);
  }
}
