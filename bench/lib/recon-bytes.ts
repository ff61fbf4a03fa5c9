/**
 * Bytes per KPM by record kind of a LevelDB gateway store filled through the real import path
 * (bank simulator file -> parseDisbursements -> store.applyDisbursements, 1,000-row batches), so
 * every record an import writes is counted (rows, positions, look-up indexes, category lists,
 * counters), not only what the recompute bench's bulk loader writes.
 *   node --import tsx bench/lib/recon-bytes.ts [KPM] [DIR]
 * Prints JSON: per key prefix (text before the first '!') the record count and key + value bytes
 * (UTF-8), each divided by the KPM count; the folder's size on disk after a full compaction.
 * With DIR the store is kept there (for a later run of the recompute child on it).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { parseDisbursements, type DisbursementRow } from '../../gateway/import/index.ts';
import { generateGatewayKeys } from '../../gateway/keys.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import { writeBenchBankFile } from './bank-file.ts';
import { reconTahap } from './recon-load.ts';

const chunkRows = 1000;

async function importFile(file: string, storePath: string): Promise<number> {
  const keys = generateGatewayKeys();
  const store = await LevelStore.open({
    path: storePath,
    sealPublicKey: keys.sealPublicKey,
    sealSecretKey: keys.sealSecretKey,
    lookupKey: keys.lookupKey,
    tahapClosesAt: {},
  });
  let chunk: DisbursementRow[] = [];
  let accepted = 0;
  const apply = async () => {
    accepted += (await store.applyDisbursements(chunk, { fileSha256: 'c'.repeat(64), now: 1 })).accepted;
    chunk = [];
  };
  for await (const item of parseDisbursements(createReadStream(file), { bank: 'BRI', tahap: reconTahap })) {
    if (!item.ok) throw new Error(`unexpected reject ${item.reject.code} at line ${item.reject.line}`);
    chunk.push(item.row);
    if (chunk.length === chunkRows) await apply();
  }
  if (chunk.length > 0) await apply();
  await store.close();
  return accepted;
}

export interface PrefixBytes {
  records: number;
  keyBytes: number;
  valueBytes: number;
}

/** Every record of the store at `path`, summed per key prefix; then compacted, and its files' size. */
export async function bytesByPrefix(path: string): Promise<{ prefixes: Map<string, PrefixBytes>; disk: number }> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  const prefixes = new Map<string, PrefixBytes>();
  for await (const [key, value] of db.iterator()) {
    const prefix = key.slice(0, key.indexOf('!'));
    let p = prefixes.get(prefix);
    if (p === undefined) prefixes.set(prefix, (p = { records: 0, keyBytes: 0, valueBytes: 0 }));
    p.records += 1;
    p.keyBytes += Buffer.byteLength(key);
    p.valueBytes += Buffer.byteLength(value);
  }
  await db.compactRange('\u0000', '\uffff');
  await db.close();
  let disk = 0;
  for (const name of await readdir(path)) if (name.endsWith('.ldb')) disk += (await stat(join(path, name))).size;
  return { prefixes, disk };
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 100_000);
  const kept = process.argv[3];
  const dir = await mkdtemp(join(tmpdir(), 'edc-recon-bytes-'));
  try {
    const file = join(dir, 'bri.csv');
    await writeBenchBankFile(file, size);
    const storePath = kept ?? join(dir, 'store');
    const started = process.cpuUsage();
    const accepted = await importFile(file, storePath);
    const cpu = process.cpuUsage(started);
    const { prefixes, disk } = await bytesByPrefix(storePath);
    const kpm = prefixes.get('pos')?.records ?? 0;
    const table = [...prefixes].map(([prefix, p]) => ({
      prefix,
      records: p.records,
      bytesPerKpm: Math.round(((p.keyBytes + p.valueBytes) / kpm) * 10) / 10,
      valueBytesPerRecord: Math.round(p.valueBytes / p.records),
    }));
    const total = [...prefixes.values()].reduce((s, p) => s + p.keyBytes + p.valueBytes, 0);
    const importCpuUsPerRow = Math.round((cpu.user + cpu.system) / accepted);
    const out = { size, accepted, kpm, importCpuUsPerRow, totalBytesPerKpm: Math.round(total / kpm) };
    console.log(JSON.stringify({ ...out, diskBytesPerKpm: Math.round(disk / kpm), table }, null, 1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('recon-bytes.ts')) await main();
