/**
 * Reconciliation measurements in a fresh process, so its peak RSS is the recompute's own:
 *   node --import tsx bench/lib/recompute-child.ts <storePath> <keys.json> <runs>
 * Per run: a raw scan of the records recompute reads (drow, ent, evd, pos of the tahap: keys and
 * values, no parsing), then store.reconcile() (full recompute compared with the continuous
 * state). Then 20 continuous summary reads. Prints `RESULT {...}`.
 */
import { ClassicLevel } from 'classic-level';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { GatewayKeys } from '../../gateway/config.ts';
import { range } from '../../gateway/store/level/keys.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import { reconTahap } from './recon-load.ts';

const [path, keysPath, runsText] = process.argv.slice(2);
const keys = GatewayKeys.parse(JSON.parse(await readFile(keysPath!, 'utf8')));
const openStore = () =>
  LevelStore.open({
    path: path!,
    sealPublicKey: keys.sealPublicKey,
    sealSecretKey: keys.sealSecretKey,
    lookupKey: keys.lookupKey,
    tahapClosesAt: {},
  });

async function scanSeconds(): Promise<{ seconds: number; records: number; bytes: number }> {
  const db = new ClassicLevel<string, string>(path!, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  const start = performance.now();
  let records = 0;
  let bytes = 0;
  for (const source of ['drow', 'ent', 'evd', 'pos']) {
    for await (const [key, value] of db.iterator(range(source, reconTahap))) {
      records += 1;
      bytes += key.length + value.length;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  await db.close();
  return { seconds, records, bytes };
}

/** Peak anonymous RSS (heap and native allocations, without LevelDB's memory-mapped table files). */
let peakAnonKb = 0;
function sampleAnon(): void {
  try {
    const match = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) peakAnonKb = Math.max(peakAnonKb, Number(match[1]));
  } catch {
    // no /proc: the figure stays 0 and says so
  }
}
const anonTimer = setInterval(sampleAnon, 50);

const scans: number[] = [];
const recomputes: number[] = [];
let scanned = { records: 0, bytes: 0 };
for (let r = 0; r < Number(runsText); r++) {
  const scan = await scanSeconds();
  scans.push(scan.seconds);
  scanned = scan;
  const store = await openStore();
  const start = performance.now();
  const result = await store.reconcile(reconTahap, Date.now());
  recomputes.push((performance.now() - start) / 1000);
  await store.close();
  if (!result.agree)
    throw new Error(
      `bench recompute: continuous state and recompute differ: ${result.differences.slice(0, 5).join('; ')}`,
    );
  if (r === 0)
    console.error(`recompute: ${result.kpmCount} KPM, totals balance checked by agree=${String(result.agree)}`);
}
const store = await openStore();
const reads: number[] = [];
let kpm = 0;
for (let r = 0; r < 20; r++) {
  const start = performance.now();
  const summary = await store.summary(reconTahap, {});
  reads.push(performance.now() - start);
  kpm = summary.kpm ?? 0;
}
await store.close();
sampleAnon();
clearInterval(anonTimer);
const result = {
  scans,
  recomputes,
  reads,
  kpm,
  scanned,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  peakAnonRssMiB: peakAnonKb / 1024,
};
console.log(`RESULT ${JSON.stringify(result)}`);
