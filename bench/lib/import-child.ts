/**
 * One import measurement in a process of its own, so that each figure carries its own peak RSS
 * (bench/import.ts). Prints one JSON line {rows, seconds, peakRssMiB} on stdout.
 *   node --import tsx bench/lib/import-child.ts MODE FILE STORE [CHUNK_ROWS]
 * MODE: parse (parse + validate only), level (LevelDB store), pg (PostgreSQL store, STORE is a
 * postgres:// URL with ?schema=), pg-copy (raw COPY of FILE into a plain table of text columns in
 * STORE's schema: PostgreSQL's own floor for loading the same bytes).
 * level and pg store exactly as `edc-gateway import disbursements` does in its store pass: rows
 * parsed and validated by gateway/import, stored in chunks of CHUNK_ROWS with one chunk in flight
 * while the next is parsed.
 */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { importChunkRowsMax } from '../../gateway/cli/import-disbursements.ts';
import { parseDisbursementBatches, type DisbursementRow } from '../../gateway/import/index.ts';
import { generateGatewayKeys } from '../../gateway/keys.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import { parsePgLocation } from '../../gateway/store/pg/url.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import { quoteIdent } from '../../gateway/store/pg/migrate.ts';
import type { DisbursementStore } from '../../gateway/store/types.ts';
import { benchBankFileTahap } from './bank-file.ts';

const [mode, file, target, chunkText] = process.argv.slice(2) as [string, string, string, string | undefined];
const chunkRows = chunkText === undefined ? importChunkRowsMax : Number(chunkText);
const parseOptions = { bank: 'BRI', tahap: benchBankFileTahap } as const;

async function parseOnly(): Promise<number> {
  let n = 0;
  for await (const batch of parseDisbursementBatches(createReadStream(file), parseOptions))
    for (const item of batch) if (item.ok) n++;
  return n;
}

async function storeAll(store: DisbursementStore): Promise<number> {
  let accepted = 0;
  let chunk: DisbursementRow[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const rows = chunk;
    chunk = [];
    await inFlight;
    inFlight = store.applyDisbursements(rows, { fileSha256: 'c'.repeat(64), now: 1 }).then((out) => {
      accepted += out.accepted;
    });
    inFlight.catch(() => undefined);
  };
  for await (const batch of parseDisbursementBatches(createReadStream(file), parseOptions)) {
    for (const item of batch) {
      if (!item.ok) throw new Error(`unexpected reject ${item.reject.code} at line ${item.reject.line}`);
      chunk.push(item.row);
      if (chunk.length >= chunkRows) await flush();
    }
  }
  if (chunk.length > 0) await flush();
  await inFlight;
  return accepted;
}

async function rawCopy(): Promise<number> {
  const { connectionString, schema } = parsePgLocation(target);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const table = `${quoteIdent(schema)}.raw_import`;
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(
      `CREATE TABLE ${table} (no text, id_kpm text, nik text, nama text, no_kks text, kode_wilayah text, ` +
        'nominal text, status text, ref_transaksi text, tgl_salur text)',
    );
    const copy = client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv, HEADER true)`));
    await pipeline(createReadStream(file), copy);
    return copy.rowCount;
  } finally {
    await client.end();
  }
}

async function measure(): Promise<{ rows: number; seconds: number }> {
  const keys = generateGatewayKeys();
  const open = { ...keys, tahapClosesAt: {} };
  let store: LevelStore | PgStore | undefined;
  if (mode === 'level') store = await LevelStore.open({ path: target, ...open });
  if (mode === 'pg') store = await PgStore.open({ url: target, ...open });
  const start = performance.now();
  const rows = mode === 'parse' ? await parseOnly() : mode === 'pg-copy' ? await rawCopy() : await storeAll(store!);
  const seconds = (performance.now() - start) / 1000;
  await store?.close();
  return { rows, seconds };
}

const result = await measure();
console.log(JSON.stringify({ ...result, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
