/**
 * Planning a chunk of bank rows: a pure step between reading what the chunk touches and writing
 * what it changes, so that both stores apply the same plan (LevelDB into one batch, PostgreSQL
 * set-wise through COPY) and the domain rules live here once:
 *
 * - identity: bank + tahap + kpmId + reference (the row key). A row already stored, or planned
 *   earlier in the same chunk, is a duplicate when amount and status are equal, else a conflict
 *   (reported, never applied), except a RETUR row of a failed one with its amount: the bank
 *   returning that failed credit (failed-credits.ts planBankReturn; counted once, as returned);
 * - a new row is sealed once (PAN, NIK, name) and its keyed hashes taken; the sealed text goes to
 *   the row record and to the position's raw row (recon/facts.ts needs it there to match cards);
 * - each KPM the chunk touches is classified once before and once after all of its new rows, and
 *   the projection (recon/project.ts) of that one change gives its counter, settlement and index
 *   deltas. The projection is a difference of contributions, so one change per KPM equals the sum
 *   of one change per row; the chunk's deltas are then merged per bucket and agent, so a counter
 *   record is read and written once per chunk, not once per row.
 *
 * Nothing here reads or writes a store: `importReads` names the keys the plan needs, the caller
 * fetches them in one call and hands them over as `ImportExisting`.
 */
import {
  addDayCounters,
  addSettlementCounters,
  addTahapCounters,
  emptyDayCounters,
  emptySettlementCounters,
  type DayCounters,
  type SettlementCounters,
  type TahapCounters,
} from '../../recon/counters.ts';
import type { DisbursementRow } from '../../import/types.ts';
import { classifyRaw, type ReconEnv } from '../../recon/classify-raw.ts';
import { emptyFacts, normalizeFacts, type RawFacts, type RawRow } from '../../recon/facts.ts';
import { projectChange, type ReconChanges } from '../../recon/project.ts';
import type { DisbursementOutcome, ImportedFile } from '../types.ts';
import type { SealsText } from '../../crypto/fast-seal.ts';
import type { KeyedHasher } from '../../crypto/keyed-hash.ts';
import type { FailedCreditSettlement } from '../api/failed-credits.ts';
import { isBankReturnOf, planBankReturn, returnFacts } from './failed-credits.ts';
import { k } from './keys.ts';
import { encodePosition } from './position-codec.ts';

export const conflictsListedMax = 1000;

/** A disbursement row as stored (`drow!T!kpm!bank!reference`). */
export interface RowRecord {
  readonly line: number;
  readonly amount: number;
  readonly status: DisbursementRow['status'];
  readonly regionCode: string;
  readonly fileSha256: string;
  /** PAN, NIK and name sealed to the gateway (JSON {pan, nik, name}). */
  readonly sealed: string;
  readonly panHmac: string;
  readonly nikHmac: string;
  /** A failed row's settlement by a reconciler (failed-credits.ts); absent while it is only failed. */
  readonly settlement?: FailedCreditSettlement;
  /** On a credit made by re-disbursement: the reference of the failed row it replaces. */
  readonly redisburses?: string;
}

export interface SealContext {
  readonly sealer: SealsText;
  /** HMAC under the gateway's lookupKey. */
  readonly hasher: KeyedHasher;
}

/** The stored records a chunk touches, read in one call (undefined: absent). */
export interface ImportExisting {
  readonly rows: ReadonlyMap<string, RowRecord | undefined>;
  readonly positions: ReadonlyMap<string, RawFacts | undefined>;
  readonly fileKnown: boolean;
}

export interface ImportPlan {
  readonly outcome: DisbursementOutcome;
  /** Records to put, in the order they were planned (values are JSON-serialisable). */
  readonly puts: ReadonlyMap<string, unknown>;
  /** One merged projection per tahap: counters summed per bucket, settlements per agent. */
  readonly changes: readonly ReconChanges[];
  /** Keys of the row records planned as new (a set-wise store inserts them, never overwrites). */
  readonly newRows: readonly string[];
}

export interface ImportPlanOptions {
  readonly fileSha256: string;
  readonly now: number;
}

/** The keys a chunk's plan reads: its rows, their positions, and the file record. */
export function importReads(
  rows: readonly DisbursementRow[],
  fileSha256: string,
): { rows: string[]; positions: string[]; file: string } {
  return {
    rows: rows.map((r) => k.row(r.tahap, r.kpmId, r.bank, r.reference)),
    positions: [...new Set(rows.map((r) => k.position(r.tahap, r.kpmId)))],
    file: k.file(fileSha256),
  };
}

function conflictReason(old: RowRecord, row: DisbursementRow): string | undefined {
  if (old.amount !== row.amount) return `amount: imported ${old.amount}, found ${row.amount}`;
  if (old.status !== row.status) return `status: imported ${old.status}, found ${row.status}`;
  return undefined;
}

interface Tally {
  accepted: number;
  duplicates: number;
  conflicts: number;
  conflictList: { line: number; kpmId: string; reference: string; reason: string }[];
}

/** A KPM the chunk adds rows to: its facts before (undefined: none yet) and after. */
interface Touched {
  readonly before: RawFacts | undefined;
  readonly after: RawFacts;
}

function newRecords(row: DisbursementRow, seal: SealContext, fileSha256: string): { record: RowRecord; raw: RawRow } {
  const panHmac = seal.hasher.hash(row.pan);
  const nikHmac = seal.hasher.hash(row.nik);
  const sealed = seal.sealer.seal(JSON.stringify({ pan: row.pan, nik: row.nik, name: row.name }));
  const { line, amount, status, regionCode, bank, reference } = row;
  return {
    record: { line, amount, status, regionCode, fileSha256, sealed, panHmac, nikHmac },
    raw: { bank, reference, regionCode, amount, status, line, panSealed: sealed, panHmac, fileSha256 },
  };
}

/** Classifies rows into duplicates, conflicts and new rows; puts each new row's records. */
function planRows(
  rows: readonly DisbursementRow[],
  existing: ImportExisting,
  seal: SealContext,
  source: { readonly fileSha256: string; readonly now: number },
  puts: Map<string, unknown>,
): { tally: Tally; touched: Map<string, Touched>; newRows: string[] } {
  const { fileSha256, now } = source;
  const tally: Tally = { accepted: 0, duplicates: 0, conflicts: 0, conflictList: [] };
  const touched = new Map<string, Touched>();
  const newRows: string[] = [];
  const touch = (row: DisbursementRow): Touched => {
    const posKey = k.position(row.tahap, row.kpmId);
    let kpm = touched.get(posKey);
    if (kpm === undefined) {
      const stored = existing.positions.get(posKey);
      const before = stored === undefined ? undefined : normalizeFacts(stored);
      const after = before === undefined ? emptyFacts(row.tahap, row.kpmId) : structuredClone(before);
      touched.set(posKey, (kpm = { before, after }));
    }
    return kpm;
  };
  for (const row of rows) {
    const rowKey = k.row(row.tahap, row.kpmId, row.bank, row.reference);
    const old = (puts.get(rowKey) as RowRecord | undefined) ?? existing.rows.get(rowKey);
    if (old !== undefined) {
      // A RETUR row of a failed one settles that failed credit (failed-credits.ts planBankReturn).
      const id = { tahap: row.tahap, kpmId: row.kpmId, bank: row.bank, reference: row.reference };
      const retur = isBankReturnOf(old, row) ? planBankReturn(id, old, { fileSha256, line: row.line, now }) : undefined;
      if (retur !== undefined && retur.kind !== 'conflict') {
        if (retur.kind === 'duplicate') tally.duplicates += 1;
        else {
          puts.set(rowKey, retur.record);
          if (retur.kind === 'applied') returnFacts(touch(row).after, id);
          tally.accepted += 1;
        }
        continue;
      }
      const reason = retur?.kind === 'conflict' ? retur.reason : conflictReason(old, row);
      if (reason === undefined) tally.duplicates += 1;
      else {
        tally.conflicts += 1;
        if (tally.conflictList.length < conflictsListedMax)
          tally.conflictList.push({ line: row.line, kpmId: row.kpmId, reference: row.reference, reason });
      }
      continue;
    }
    const { record, raw } = newRecords(row, seal, fileSha256);
    puts.set(rowKey, record);
    newRows.push(rowKey);
    puts.set(k.panIndex(record.panHmac), row.kpmId);
    puts.set(k.nikIndex(record.nikHmac), row.kpmId);
    touch(row).after.rows.push(raw);
    tally.accepted += 1;
  }
  return { tally, touched, newRows };
}

/** Sums projections of one tahap into one: counters per bucket, settlements per agent, index lists joined. */
class TahapMerge {
  readonly #counters = new Map<string, { bank: string; regionCode: string; delta: TahapCounters }>();
  readonly #settlements = new Map<string, SettlementCounters>();
  readonly #days = new Map<string, { bank: string; localDate: string; delta: DayCounters }>();
  readonly kpmRemove: ReconChanges['kpmIndex']['remove'][number][] = [];
  readonly kpmPut: ReconChanges['kpmIndex']['put'][number][] = [];
  readonly wRemove: ReconChanges['withdrawalIndex']['remove'][number][] = [];
  readonly wPut: ReconChanges['withdrawalIndex']['put'][number][] = [];
  readonly dayRemove: ReconChanges['dayIndex']['remove'][number][] = [];
  readonly dayPut: ReconChanges['dayIndex']['put'][number][] = [];

  constructor(readonly tahap: string) {}

  add(c: ReconChanges): void {
    for (const b of c.counters) {
      const name = `${b.bank}\u0000${b.regionCode}`;
      const sum = this.#counters.get(name);
      // A projection's deltas are its own fresh records: the first one of a bucket becomes its sum.
      if (sum === undefined) this.#counters.set(name, { bank: b.bank, regionCode: b.regionCode, delta: b.delta });
      else addTahapCounters(sum.delta, b.delta);
    }
    for (const s of c.settlements) {
      let sum = this.#settlements.get(s.agentId);
      if (sum === undefined) this.#settlements.set(s.agentId, (sum = emptySettlementCounters()));
      addSettlementCounters(sum, s.delta);
    }
    for (const d of c.days) {
      const name = `${d.bank}\u0000${d.localDate}`;
      let sum = this.#days.get(name);
      if (sum === undefined)
        this.#days.set(name, (sum = { bank: d.bank, localDate: d.localDate, delta: emptyDayCounters() }));
      addDayCounters(sum.delta, d.delta);
    }
    this.dayRemove.push(...c.dayIndex.remove);
    this.dayPut.push(...c.dayIndex.put);
    // Each KPM appears in one change per chunk, so index keys of different changes never collide.
    this.kpmRemove.push(...c.kpmIndex.remove);
    this.kpmPut.push(...c.kpmIndex.put);
    this.wRemove.push(...c.withdrawalIndex.remove);
    this.wPut.push(...c.withdrawalIndex.put);
  }

  changes(): ReconChanges {
    return {
      tahap: this.tahap,
      kpmId: '',
      counters: [...this.#counters.values()],
      settlements: [...this.#settlements]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([agentId, delta]) => ({ agentId, delta })),
      kpmIndex: { remove: this.kpmRemove, put: this.kpmPut },
      withdrawalIndex: { remove: this.wRemove, put: this.wPut },
      // Sorted by bank, then local date, as projectChange gives them.
      days: [...this.#days.values()].sort((a, b) =>
        a.bank !== b.bank
          ? a.bank < b.bank
            ? -1
            : 1
          : a.localDate < b.localDate
            ? -1
            : a.localDate > b.localDate
              ? 1
              : 0,
      ),
      dayIndex: { remove: this.dayRemove, put: this.dayPut },
    };
  }
}

/** Plans a chunk (see the file comment). Deterministic for given rows, records and sealer output. */
export async function planImport(
  rows: readonly DisbursementRow[],
  existing: ImportExisting,
  env: ReconEnv,
  seal: SealContext,
  options: ImportPlanOptions,
): Promise<ImportPlan> {
  const puts = new Map<string, unknown>();
  const { tally, touched, newRows } = planRows(rows, existing, seal, options, puts);
  const merged = new Map<string, TahapMerge>();
  for (const [posKey, { before, after }] of touched) {
    puts.set(posKey, encodePosition(after));
    let merge = merged.get(after.tahap);
    if (merge === undefined) {
      merged.set(after.tahap, (merge = new TahapMerge(after.tahap)));
      puts.set(k.tahap(after.tahap), '');
    }
    const classifiedBefore = before === undefined ? undefined : await classifyRaw(before, env);
    merge.add(
      projectChange({
        tahap: after.tahap,
        kpmId: after.kpmId,
        before: classifiedBefore,
        after: await classifyRaw(after, env),
      }),
    );
  }
  const first = rows[0];
  if (first !== undefined && !existing.fileKnown)
    puts.set(k.file(options.fileSha256), {
      fileSha256: options.fileSha256,
      bank: first.bank,
      tahap: first.tahap,
      firstImportedAt: options.now,
    } satisfies ImportedFile);
  return { outcome: tally, puts, changes: [...merged.values()].map((m) => m.changes()), newRows };
}
