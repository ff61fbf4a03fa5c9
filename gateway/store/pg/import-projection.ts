/**
 * The recompute's projection (recon_row / recon_pos, migrations 0003..0005) of an import chunk's
 * records, computed in Node from the JSON text the chunk stores and staged beside it as typed
 * columns, so that the merge inserts them without PostgreSQL parsing each value again as jsonb
 * (that parse was ~40% of the server's CPU per imported row). Exactly what recon_row_of and
 * recon_pos_of (the triggers' definitions) give for the same key and value:
 * tests/gateway/store/pg-import-projection.test.ts compares the two after every import.
 */

/** Columns staged per record, in COPY order after (key, value, fresh); null for other records. */
export const projectionColumns = [
  'tahap',
  'kpm_id',
  'bank',
  'reference',
  'region_code',
  'amount',
  'status',
  'rich',
  'place_bank',
  'place_region',
  'credited',
  'failed',
  'returned',
] as const;

type Cell = string | number | boolean | null;
const none: readonly Cell[] = projectionColumns.map(() => null);

/** `->>`: a string as itself, JSON null or absent as NULL, anything else as its JSON text. */
function text(x: unknown): string | null {
  if (x === undefined || x === null) return null;
  return typeof x === 'string' ? x : JSON.stringify(x);
}

/** `coalesce(v->'name', v->i)`: a field of the object form or an element of the array form. */
function field(v: unknown, name: string, i: number): unknown {
  if (Array.isArray(v)) return v[i];
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[name] : undefined;
}

/** COLLATE "C" order: UTF-8 bytes (UTF-16 units agree unless a string holds a surrogate pair). */
function beforeInC(a: string, b: string): boolean {
  if (/[\uD800-\uFFFF]/.test(a + b)) return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
  return a < b;
}

/** recon_row_of(key, value). */
function rowCells(key: string, value: unknown): Cell[] {
  const [, tahap = '', kpm = '', bank = '', ...rest] = key.split('!');
  const v = value as Record<string, unknown>;
  const settled = text((v.settlement as Record<string, unknown> | undefined)?.state);
  const status = settled === 'returned' || settled === 'redisbursed' ? settled : text(v.status);
  return [tahap, kpm, bank, rest.join('!'), text(v.regionCode), text(v.amount), status, ...none.slice(7)];
}

/** recon_pos_of(key, value). */
function posCells(key: string, value: unknown): Cell[] {
  const [, tahap = '', kpm = ''] = key.split('!');
  const length = (x: unknown) => (Array.isArray(x) ? x.length : 0);
  const rich = length(field(value, 'withdrawals', 2)) + length(field(value, 'reversals', 3)) > 0;
  let place: string | undefined;
  const sums: Record<string, number> = { credited: 0, failed: 0, returned: 0 };
  const rows = field(value, 'rows', 1);
  for (const r of Array.isArray(rows) ? rows : []) {
    const [bank, reference, region] = [field(r, 'bank', 0), field(r, 'reference', 1), field(r, 'regionCode', 2)];
    const parts = [text(bank), text(reference), text(region)];
    if (!parts.includes(null)) {
      const p = `${parts[0]}/${parts[1]}\x01${parts[2]}`;
      if (place === undefined || beforeInC(p, place)) place = p;
    }
    const status = text(field(r, 'status', 4));
    const amount = text(field(r, 'amount', 3));
    if (status !== null && Object.hasOwn(sums, status) && amount !== null) sums[status]! += Number(amount);
  }
  const placeBank = place === undefined ? 'UNKNOWN' : place.split('/')[0]!;
  const placeRegion = place === undefined ? 'UNKNOWN' : (place.split('\x01')[1] ?? '');
  return [tahap, kpm, ...none.slice(2, 7), rich, placeBank, placeRegion, sums.credited!, sums.failed!, sums.returned!];
}

/** The projection cells of one kv record (all null for a record that is neither drow! nor pos!). */
export function projectionCells(key: string, value: string): readonly Cell[] {
  if (key.startsWith('drow!')) return rowCells(key, JSON.parse(value));
  if (key.startsWith('pos!')) return posCells(key, JSON.parse(value));
  return none;
}
