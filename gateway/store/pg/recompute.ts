/**
 * The PostgreSQL store's full recompute, set-based. A KPM's classification is delicate domain
 * code (gateway/recon/classify*.ts) and is not written a second time in SQL. The split:
 * - plain KPMs (disbursement rows only: no accepted entry, evidence or resolution in the tahap,
 *   and a stored position without withdrawals or reversals), which are the vast majority, are
 *   grouped in the server: for them classification reads only the first row's place (bank,
 *   region) and the sums by status, so one query sums them per (bank, region, credited > 0) and
 *   compares each KPM's raw sums with its stored position's (the columns migration 0003 keeps
 *   beside the JSON records). Each group becomes counters through the shared classifyPosition and
 *   tahapContribution, so the numbers come from the one rule book;
 * - every other KPM ("rich") is streamed in key order through a server-side cursor, in batches
 *   of richBatchKpmsMax, and recomputed by the LevelDB store's own recompute over those records.
 * The sum is compared with the stored counters and settlements exactly as the LevelDB store does
 * (compareCounters), and position differences are listed in KPM order, as there.
 */
import type { KpmCategory } from '../../recon/classify.ts';
import { classifyPosition } from '../../recon/classify.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import { tahapContribution, type TahapCounters } from '../../recon/counters.ts';
import type { Db, KvIterator, KvRangeOptions } from '../level/db.ts';
import { range } from '../level/keys.ts';
import {
  emptyRecomputeOutput,
  positionNote,
  reconDifferencesMax,
  recompute,
  type RecomputeOutput,
} from '../level/recompute.ts';
import type { PgKv } from './kv.ts';

/** KPMs with richer facts fetched and classified in Node per batch. */
export const richBatchKpmsMax = 1000;
/** Sources the recompute merges per KPM (store/level/recompute.ts). */
const sources = ['drow', 'ent', 'evd', 'res', 'pos'] as const;

/** Server memory for the grouping and the rich-KPM hash, per recompute transaction. */
const workMem = '64MB';

/** KPMs of the tahap that have facts beyond disbursement rows ($1 tahap, $2..$7 ent/evd/res ranges). */
const richSql = `
  SELECT split_part(key, '!', 3) COLLATE "C" AS kpm_id FROM kv WHERE key > $2 AND key < $3
  UNION SELECT split_part(key, '!', 3) FROM kv WHERE key > $4 AND key < $5
  UNION SELECT split_part(key, '!', 3) FROM kv WHERE key > $6 AND key < $7
  UNION SELECT kpm_id FROM recon_pos WHERE tahap = $1 AND rich`;

/** Every plain KPM: its raw sums and place, and whether its stored position classifies otherwise. */
const plainSql = `
  WITH rich AS MATERIALIZED (${richSql}),
  raw AS (
    SELECT kpm_id, min(recon_place(bank, reference, region_code)) AS place,
      coalesce(sum(amount) FILTER (WHERE status = 'credited'), 0) AS credited,
      coalesce(sum(amount) FILTER (WHERE status = 'failed'), 0) AS failed,
      coalesce(sum(amount) FILTER (WHERE status = 'returned'), 0) AS returned
    FROM recon_row WHERE tahap = $1 GROUP BY kpm_id
  ),
  plain AS (
    SELECT r.kpm_id AS raw_kpm, p.kpm_id AS pos_kpm, split_part(r.place, '/', 1) AS bank,
      split_part(r.place, E'\\x01', 2) AS region, r.credited, r.failed, r.returned,
      p.kpm_id IS NULL OR (coalesce(split_part(r.place, '/', 1), 'UNKNOWN'),
        coalesce(split_part(r.place, E'\\x01', 2), 'UNKNOWN'), coalesce(r.credited, 0),
        coalesce(r.failed, 0), coalesce(r.returned, 0))
        IS DISTINCT FROM (p.place_bank, p.place_region, p.credited, p.failed, p.returned) AS differs
    FROM raw r FULL JOIN (SELECT * FROM recon_pos WHERE tahap = $1) p ON p.kpm_id = r.kpm_id
    LEFT JOIN rich x ON x.kpm_id = coalesce(r.kpm_id, p.kpm_id)
    WHERE x.kpm_id IS NULL
  )`;

const groupsSql = `${plainSql}
  SELECT bank, region, credited > 0 AS has_credit, count(raw_kpm) AS kpm, sum(credited) AS credited,
    sum(failed) AS failed, sum(returned) AS returned, count(*) FILTER (WHERE differs) AS differing
  FROM plain GROUP BY 1, 2, 3`;

const differingSql = `${plainSql}
  SELECT coalesce(raw_kpm, pos_kpm) AS kpm_id, pos_kpm IS NOT NULL AS stored
  FROM plain WHERE differs ORDER BY 1 LIMIT ${reconDifferencesMax}`;

interface GroupRow {
  bank: string | null;
  region: string | null;
  kpm: string;
  credited: string | null;
  failed: string | null;
  returned: string | null;
  differing: string;
}

function paramsOf(tahap: string): string[] {
  const bounds = (source: string) => [range(source, tahap).gt, range(source, tahap).lt];
  return [tahap, ...bounds('ent'), ...bounds('evd'), ...bounds('res')];
}

/**
 * The counters of `n` plain KPMs of one bucket whose credits are all zero or all positive: the
 * shared classification of one KPM holding the group's sums, with its two counts set to n (every
 * other field is a sum of the members' amounts, and the category is the same for all).
 */
export function plainGroupCounters(
  place: { bank: string; regionCode: string },
  n: number,
  sums: { credited: number; failed: number; returned: number },
): TahapCounters {
  const row = (amount: number, status: 'credited' | 'failed' | 'returned') => ({
    bank: place.bank,
    reference: '',
    regionCode: place.regionCode,
    amount,
    status,
  });
  const facts = {
    tahap: '',
    kpmId: '',
    rows: [row(sums.credited, 'credited'), row(sums.failed, 'failed'), row(sums.returned, 'returned')],
    withdrawals: [],
    reversals: [],
    resolutions: [],
  };
  const c = tahapContribution(classifyPosition(facts, { closesAt: undefined }));
  const category: KpmCategory = sums.credited > 0 ? 'unclaimed' : 'no_disbursement';
  c.kpm = n;
  c.kpmByCategory[category].count = n;
  return c;
}

interface PositionNote {
  kpmId: string;
  text: string;
}

/** The plain KPMs: their counters into `out`, the notes of those whose position differs returned. */
async function plainPart(kv: PgKv, tahap: string, out: RecomputeOutput): Promise<PositionNote[]> {
  const params = paramsOf(tahap);
  const groups = await kv.query<GroupRow>(groupsSql, params);
  let differing = 0;
  for (const g of groups.rows) {
    differing += Number(g.differing);
    const n = Number(g.kpm);
    if (n === 0 || g.bank === null || g.region === null) continue;
    const sums = { credited: Number(g.credited), failed: Number(g.failed), returned: Number(g.returned) };
    out.buckets.addCounters(
      `${g.bank}/${g.region}`,
      plainGroupCounters({ bank: g.bank, regionCode: g.region }, n, sums),
    );
    out.kpmCount += n;
  }
  if (differing === 0) return [];
  const listed = await kv.query<{ kpm_id: string; stored: boolean }>(differingSql, params);
  return listed.rows.map((r) => ({ kpmId: r.kpm_id, text: positionNote(r.kpm_id, r.stored) }));
}

/** An iterator over records already fetched. */
function listIterator(rows: [string, string][]): KvIterator<[string, string]> {
  let at = 0;
  return {
    nextv: (size: number) => {
      const page = rows.slice(at, at + size);
      at += page.length;
      return Promise.resolve(page);
    },
    close: () => Promise.resolve(),
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: (): Promise<IteratorResult<[string, string]>> =>
          Promise.resolve(i < rows.length ? { value: rows[i++]!, done: false } : { value: undefined, done: true }),
      };
    },
  };
}

/**
 * The store seen by the LevelDB recompute for one batch of rich KPMs: the five ranges it merges
 * hold only the batch's records; every other read (agents, sets, grants) goes to the store.
 */
class BatchView implements Db {
  constructor(
    private readonly kv: PgKv,
    private readonly ranges: ReadonlyMap<string, [string, string][]>,
  ) {}

  get status(): string {
    return this.kv.status;
  }

  get(key: string): Promise<string | undefined> {
    return this.kv.get(key);
  }

  getMany(keys: string[]): Promise<(string | undefined)[]> {
    return this.kv.getMany(keys);
  }

  iterator(options: KvRangeOptions): KvIterator<[string, string]> {
    const rows = options.gt === undefined ? undefined : this.ranges.get(options.gt);
    return rows === undefined ? this.kv.iterator(options) : listIterator(rows);
  }

  keys(options: KvRangeOptions): AsyncIterable<string> & { all(): Promise<string[]> } {
    return this.kv.keys(options);
  }

  values(options: KvRangeOptions): AsyncIterable<string> {
    return this.kv.values(options);
  }
}

/** The five sources' records of a batch of KPMs, each in key order. */
async function batchRecords(kv: PgKv, tahap: string, kpmIds: string[]): Promise<Map<string, [string, string][]>> {
  const out = new Map<string, [string, string][]>();
  for (const source of sources) {
    const prefix = range(source, tahap).gt;
    const res =
      source === 'pos'
        ? await kv.query<{ key: string; value: string }>(
            'SELECT key, value FROM kv WHERE key = ANY($1::text[]) ORDER BY key',
            [kpmIds.map((id) => prefix + id)],
          )
        : await kv.query<{ key: string; value: string }>(
            // LATERAL with ORDER BY (which keeps the planner from flattening it into a join):
            // one index range scan per KPM; as a join, the planner scanned kv whole per batch.
            // The ranges are disjoint and in key order, so their order is the ordinality's.
            'SELECT s.key, s.value FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS b(lo, hi, n) ' +
              'CROSS JOIN LATERAL (SELECT key, value FROM kv WHERE key > b.lo AND key < b.hi ORDER BY key) AS s ' +
              'ORDER BY b.n, s.key',
            [kpmIds.map((id) => `${prefix}${id}!`), kpmIds.map((id) => `${prefix}${id}!\uffff`)],
          );
    out.set(
      prefix,
      res.rows.map((r) => [r.key, r.value]),
    );
  }
  return out;
}

/** The rich KPMs, recomputed by the shared record code batch by batch, into `out`. */
async function richPart(kv: PgKv, env: ReconEnv, tahap: string, out: RecomputeOutput): Promise<PositionNote[]> {
  await kv.query(`DECLARE recon_rich NO SCROLL CURSOR FOR SELECT kpm_id FROM (${richSql}) AS r ORDER BY kpm_id`, [
    ...paramsOf(tahap),
  ]);
  try {
    for (;;) {
      const batch = await kv.query<{ kpm_id: string }>(`FETCH ${richBatchKpmsMax} FROM recon_rich`, []);
      if (batch.rows.length === 0) break;
      const ids = batch.rows.map((r) => r.kpm_id);
      await recompute(new BatchView(kv, await batchRecords(kv, tahap, ids)), env, tahap, undefined, out);
    }
  } finally {
    await kv.query('CLOSE recon_rich', []);
  }
  return out.differences.splice(0).map((text) => ({ kpmId: text.slice('position '.length, text.indexOf(':')), text }));
}

/** Both lists are in KPM order; the first reconDifferencesMax of their merge. */
function mergeNotes(a: PositionNote[], b: PositionNote[]): string[] {
  const all = [...a, ...b].sort((x, y) => (x.kpmId < y.kpmId ? -1 : x.kpmId > y.kpmId ? 1 : 0));
  return all.slice(0, reconDifferencesMax).map((n) => n.text);
}

/** The full recompute of a tahap inside the caller's REPEATABLE READ transaction on `kv`. */
export async function recomputeSetBased(kv: PgKv, env: ReconEnv, tahap: string): Promise<RecomputeOutput> {
  await kv.query(`SET LOCAL work_mem = '${workMem}'`, []);
  await kv.query('SET LOCAL jit = off', []); // compiling the plan costs more than it saves here
  const out = emptyRecomputeOutput();
  const rich = await richPart(kv, env, tahap, out);
  const plain = await plainPart(kv, tahap, out);
  out.differences = mergeNotes(plain, rich);
  return out;
}
