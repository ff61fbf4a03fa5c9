/**
 * Bulk loader for reconciliation benchmarks at 100k..10M KPM. Importing 10M rows through
 * applyDisbursements (about 3k rows/s here: a seal, two HMACs and several reads per row) would
 * take most of an hour, so the disbursement side is written straight into the store's LevelDB
 * in the store's own record formats (gateway/store/level: keys from keys.ts, row, position and
 * counter records as disbursements.ts and position.ts build them, classification by
 * gateway/recon), in unsynced 10k-KPM batches. Withdrawals then go through the store's public
 * interface (addAgent, ingest) as real signed entries. store.reconcile() afterwards proves the
 * load faithful: it recomputes every KPM from the raw records and must agree with the stored
 * positions and counters.
 * Shortcuts, all outside what recompute and the summary read: rows of KPMs without withdrawals
 * carry sealed personal data and HMACs from a pool of real ones (same sizes; recompute only
 * opens the rows of KPMs with withdrawals, which carry their own); the look-up indexes
 * (kpm, panh, nikh) and category lists (kcat) the staff pages use are not written.
 */
import { ClassicLevel } from 'classic-level';
import { benchBankFileTahap } from './bank-file.ts';
import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair, keyedHash, toBase64 } from '../../protocol/crypto/index.ts';
import { genesisHash, signEntry, type LedgerEntry } from '../../protocol/messages/index.ts';
import { ulid } from '../../protocol/ids.ts';
import type { GatewayKeys } from '../../gateway/config.ts';
import { Sealer } from '../../gateway/crypto/fast-seal.ts';
import { classifyPosition, type PositionFacts } from '../../gateway/recon/classify.ts';
import {
  addTahapCounters,
  emptyTahapCounters,
  tahapContribution,
  type TahapCounters,
} from '../../gateway/recon/counters.ts';
import { k } from '../../gateway/store/level/keys.ts';
import { encodePosition } from '../../gateway/store/level/position-codec.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { kpmAt, type Kpm } from '../../simulators/bank/index.ts';

/** The tahap of the loaded stores: the bench bank file's, so its rows and these stores agree. */
export const reconTahap = benchBankFileTahap;
/** One KPM in withdrawalEvery draws once; agents serve kpmPerAgent KPMs each. */
export const withdrawalEvery = 100;
const kpmPerAgent = 10_000;
const poolSize = 4096;
const batchKpms = 10_000;
const fileSha256 = 'f'.repeat(64);
const population = { seed: 1, banks: ['BRI' as const] };

interface Sealed {
  sealed: string;
  panHmac: string;
  nikHmac: string;
}

function sealKpm(kpm: Kpm, sealer: Sealer, lookupKey: string): Sealed {
  return {
    sealed: sealer.seal(JSON.stringify({ pan: kpm.card.pan, nik: kpm.nik, name: kpm.name })),
    panHmac: keyedHash(kpm.card.pan, lookupKey),
    nikHmac: keyedHash(kpm.nik, lookupKey),
  };
}

function statusOf(i: number): 'credited' | 'failed' | 'returned' {
  const u = ((Math.imul(i + 1, 2654435761) >>> 0) % 10_000) / 10_000;
  return u < 0.05 ? 'failed' : u < 0.07 ? 'returned' : 'credited';
}

function kpmIdOf(i: number): string {
  return `KPM-${String(i + 1).padStart(10, '0')}`;
}

export interface Put {
  type: 'put';
  key: string;
  value: string;
}

/** A KPM with the sealed personal data and HMACs its row record carries. */
interface Source extends Sealed {
  kpm: Kpm;
}

/** The counters key of one KPM shape, what one such KPM contributes, and how many KPMs share it. */
interface Shape {
  ctrKey: string;
  contribution: TahapCounters;
  count: number;
}

/** Sealed personal data for the first poolSize KPMs, which KPMs without withdrawals borrow. */
function sealedPool(sealer: Sealer, lookupKey: string): Source[] {
  return Array.from({ length: poolSize }, (_, j) => {
    const kpm = kpmAt(j, population);
    return { kpm, ...sealKpm(kpm, sealer, lookupKey) };
  });
}

/** KPM `i` with its own sealed data if it draws a withdrawal, else with data from the pool. */
function sourceOf(i: number, pool: readonly Source[], sealer: Sealer, lookupKey: string): Source {
  if (i % withdrawalEvery !== 0) return pool[i % poolSize]!;
  const kpm = kpmAt(i, population);
  return { kpm, ...sealKpm(kpm, sealer, lookupKey) };
}

async function openBulkDb(path: string): Promise<ClassicLevel<string, string>> {
  // A big memtable means fewer level-0 files and less compaction while gigabytes go in; the
  // store reopens the folder later with its own options.
  const db = new ClassicLevel<string, string>(path, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    writeBufferSize: 128 * 2 ** 20,
  });
  await db.open();
  return db;
}

/** The row record and the position record of KPM `i`, and the position they describe. */
function kpmRecords(i: number, source: Source): { puts: Put[]; position: PositionFacts } {
  const kpmId = kpmIdOf(i);
  const reference = `BRI2026IV-${String(i + 1).padStart(10, '0')}`;
  const status = statusOf(i);
  const { regionCode, rupiahPerTahap: amount } = source.kpm;
  const { sealed, panHmac, nikHmac } = source;
  const line = i + 2;
  const row = { line, amount, status, regionCode, fileSha256, sealed, panHmac, nikHmac };
  const rows = [{ bank: 'BRI', reference, regionCode, amount, status, line, panSealed: sealed, panHmac, fileSha256 }];
  const position = { tahap: reconTahap, kpmId, rows, withdrawals: [], reversals: [], resolutions: [] };
  return {
    puts: [
      { type: 'put', key: k.row(reconTahap, kpmId, 'BRI', reference), value: JSON.stringify(row) },
      { type: 'put', key: k.position(reconTahap, kpmId), value: JSON.stringify(encodePosition(position)) },
    ],
    position,
  };
}

/**
 * A KPM with one row and no withdrawal contributes by (status, amount, region) alone: classify
 * each such combination once and count how many KPMs share it.
 */
function countShape(shapes: Map<string, Shape>, position: PositionFacts): void {
  const { status, amount, regionCode } = position.rows[0]!;
  const shape = `${status}|${amount}|${regionCode}`;
  const seen = shapes.get(shape);
  if (seen !== undefined) {
    seen.count += 1;
    return;
  }
  const c = classifyPosition(position, { closesAt: undefined });
  shapes.set(shape, {
    ctrKey: k.counters(reconTahap, c.bank, c.regionCode),
    contribution: tahapContribution(c),
    count: 1,
  });
}

/** The counter records: each shape's contribution times the KPMs sharing it, summed per key. */
function counterPuts(shapes: Map<string, Shape>): Put[] {
  const counters = new Map<string, TahapCounters>();
  const times = (c: TahapCounters, n: number): TahapCounters =>
    JSON.parse(JSON.stringify(c), (_key, value: unknown) =>
      typeof value === 'number' ? value * n : value,
    ) as TahapCounters;
  for (const { ctrKey, contribution, count } of shapes.values()) {
    let ctr = counters.get(ctrKey);
    if (ctr === undefined) counters.set(ctrKey, (ctr = emptyTahapCounters()));
    addTahapCounters(ctr, times(contribution, count));
  }
  return [...counters].map(([key, value]) => ({ type: 'put', key, value: JSON.stringify(value) }));
}

/** The tahap marker and the file record. */
function closingPuts(): Put[] {
  return [
    { type: 'put', key: k.tahap(reconTahap), value: JSON.stringify('') },
    {
      type: 'put',
      key: k.file(fileSha256),
      value: JSON.stringify({ fileSha256, bank: 'BRI', tahap: reconTahap, firstImportedAt: 1 }),
    },
  ];
}

/** Where the loader's records go: a store's own tables, in batches, then closed (durably). */
export interface RecordSink {
  batch(ops: Put[]): Promise<void>;
  close(): Promise<void>;
}

function levelSink(db: ClassicLevel<string, string>): RecordSink {
  let last: Put[] = [];
  return {
    batch: async (ops) => {
      if (last.length > 0) await db.batch(last);
      last = ops;
    },
    close: async () => {
      await db.batch(last, { sync: true });
      await db.close();
    },
  };
}

/** Writes rows, positions, counters, the tahap marker and the file record for `size` KPMs. */
export async function loadRows(sink: RecordSink, size: number, keys: GatewayKeys): Promise<void> {
  const sealer = new Sealer(keys.sealPublicKey);
  const pool = sealedPool(sealer, keys.lookupKey);
  const shapes = new Map<string, Shape>();
  let ops: Put[] = [];
  for (let i = 0; i < size; i++) {
    const { puts, position } = kpmRecords(i, sourceOf(i, pool, sealer, keys.lookupKey));
    ops.push(...puts);
    countShape(shapes, position);
    if (ops.length >= batchKpms * 2) {
      await sink.batch(ops);
      ops = [];
    }
  }
  ops.push(...counterPuts(shapes), ...closingPuts());
  await sink.batch(ops);
  await sink.close();
}

/**
 * Real signed withdrawals for every withdrawalEvery-th KPM whose row was credited, as an honest
 * agent makes them: the agent is enrolled with those KPMs allocated, the gateway records the
 * entitlement set it issued (what the entitlements route does), and every withdrawal names that
 * set and stays within it. So reconciliation classifies them by its real rules (mostly `ok`), not
 * all `unallocated`/`late` as when the set id named no recorded set. Failed and returned rows
 * draw nothing (an agent's set grants them nothing).
 */
export async function loadWithdrawals(store: GatewayStore, size: number, keys: GatewayKeys): Promise<number> {
  const sealer = new Sealer(keys.sealPublicKey);
  let count = 0;
  for (let first = 0; first < size; first += kpmPerAgent) {
    const pair = generateSigningKeyPair();
    const agentId = `AGT-${String(first / kpmPerAgent).padStart(6, '0')}`;
    const drawing: Kpm[] = [];
    for (let i = first; i < Math.min(size, first + kpmPerAgent); i += withdrawalEvery)
      if (statusOf(i) === 'credited') drawing.push(kpmAt(i, population));
    const record = await store.addAgent(
      {
        agentId,
        publicKey: pair.publicKey,
        bank: 'BRI',
        regionCode: '3273010001',
        kpmIds: drawing.map((k) => k.kpmId),
      },
      { move: false, now: 1, lookupKey: toBase64(randomBytes(32)) },
    );
    const setId = ulid();
    await store.recordEntitlementSet({
      setId,
      agentId,
      tahap: reconTahap,
      issuedAt: 2,
      notBefore: 0,
      expiresAt: 1_000,
      basedOnSeq: 0,
      limits: { withdrawalAmountMax: 2_000_000, cashFloat: 1_000_000_000, queueEntriesMax: 100_000 },
      entitlements: drawing.map((kpm) => ({ kpmId: kpm.kpmId, remaining: kpm.rupiahPerTahap })),
    });
    const entries: LedgerEntry[] = [];
    let prevHash = genesisHash;
    for (const kpm of drawing) {
      const seq = entries.length + 1;
      const entry = signEntry(
        {
          v: 1,
          kind: 'withdrawal',
          id: ulid(),
          agentId,
          seq,
          prevHash,
          at: 5,
          tahap: reconTahap,
          kpmId: kpm.kpmId,
          amount: Math.min(kpm.rupiahPerTahap, 200_000),
          terminalId: 'TERM0001',
          stan: String(seq).padStart(6, '0'),
          localDate: '1122',
          panHash: keyedHash(kpm.card.pan, record.lookupKey),
          sealedPan: sealer.seal(kpm.card.pan),
          rrn: String(seq).padStart(12, '0'),
          authCode: 'A1B2C3',
          entitlementSetId: setId,
        },
        pair.seed,
      );
      entries.push(entry);
      prevHash = entry.hash;
    }
    const outcome = await store.ingest(agentId, entries, 10);
    if (outcome.kind !== 'accepted') throw new Error(`bench recon load: ingest refused (${outcome.kind})`);
    count += entries.length;
  }
  return count;
}

/** How the loaded store classifies its KPMs and withdrawals (the staff summary's counts). */
export interface CategoryMix {
  readonly kpm: Readonly<Record<string, number>>;
  readonly withdrawals: Readonly<Record<string, number>>;
}

export function describeMix(mix: CategoryMix): string {
  const list = (counts: Readonly<Record<string, number>>): string =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([category, n]) => `${category} ${n.toLocaleString('en-US')}`)
      .join(', ');
  return `KPM: ${list(mix.kpm)}; withdrawals: ${list(mix.withdrawals)}`;
}

export async function categoryMix(store: GatewayStore): Promise<CategoryMix> {
  const summary = await store.summary(reconTahap, {});
  const counts = (byCategory: Readonly<Record<string, { readonly count: number }>>): Record<string, number> =>
    Object.fromEntries(Object.entries(byCategory).map(([category, { count }]) => [category, count]));
  return { kpm: counts(summary.kpmByCategory), withdrawals: counts(summary.withdrawalsByCategory) };
}

export async function bulkLoad(
  path: string,
  size: number,
  keys: GatewayKeys,
): Promise<{ withdrawals: number; mix: CategoryMix }> {
  await loadRows(levelSink(await openBulkDb(path)), size, keys);
  const store = await LevelStore.open({
    path,
    sealPublicKey: keys.sealPublicKey,
    sealSecretKey: keys.sealSecretKey,
    lookupKey: keys.lookupKey,
    tahapClosesAt: {},
  });
  try {
    const withdrawals = await loadWithdrawals(store, size, keys);
    return { withdrawals, mix: await categoryMix(store) };
  } finally {
    await store.close();
  }
}
