/**
 * A real gateway in its own process for benchmarks (LevelDB store in a temp folder, or the
 * PostgreSQL store at spec.store, one of N replicas; fastify on 127.0.0.1, silent logs), so its
 * CPU and peak RSS are its own, not the load generator's. With spec.enroll false (a second
 * replica on one schema) it enrols nothing: the first replica did.
 *   node --import tsx bench/lib/gateway-child.ts <spec.json>
 * Prints `READY {"url":...}` once listening; on a `stop` line on stdin it closes, sums the
 * stored heads of the enrolled agents and prints
 * `DONE {"storedEntries":N,"peakRssMiB":M,"cpuSeconds":S,"mainCpuSeconds":T,"threadCpuSeconds":{...},"memory":{...}}`
 * (S: CPU time of all its threads from READY to stop; T: the main thread's; then each thread's, /proc, Linux;
 * memory: the peak RSS before READY, and the largest RSS sampled every 50 ms while serving with its V8 heap,
 * external and ArrayBuffer shares: the rest of an RSS is the worker threads' heaps, LevelDB and native memory).
 */
import { readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildGateway } from '../../gateway/app.ts';
import { GatewayConfig, GatewayKeys } from '../../gateway/config.ts';
import type { DisbursementRow } from '../../gateway/import/index.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import { PgStore } from '../../gateway/store/pg/store.ts';
import type { GatewaySpec } from './gateway-proc.ts';

const spec = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as GatewaySpec;
const keys = GatewayKeys.parse(spec.keys);
const config = GatewayConfig.parse({ v: 1, logLevel: 'silent', activeTahap: '2026-IV', ...spec.config });
const common = {
  sealPublicKey: keys.sealPublicKey,
  sealSecretKey: keys.sealSecretKey,
  lookupKey: keys.lookupKey,
  tahapClosesAt: {},
};
const store =
  spec.store === undefined
    ? await LevelStore.open({ path: join(spec.dir, 'store'), ...common })
    : await PgStore.open({ url: spec.store, ...common });
for (const a of spec.enroll === false ? [] : spec.agents) {
  await store.addAgent(
    { agentId: a.agentId, publicKey: a.publicKey, bank: 'BRI', regionCode: '3273010001', kpmIds: a.kpmIds },
    { move: false, now: Date.now(), lookupKey: a.lookupKey },
  );
}
const rows = (spec.enroll === false ? [] : (spec.rows ?? [])) as DisbursementRow[];
for (let i = 0; i < rows.length; i += 1000)
  await store.applyDisbursements(rows.slice(i, i + 1000), { fileSha256: 'b'.repeat(64), now: 1 });
// As `edc-gateway serve` runs it: entry verification on one worker thread per core.
const { app } = await buildGateway({ store, keys, config, verifyWorkers: availableParallelism() });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
/** USER_HZ: the unit of /proc stat times (100 on Linux x86-64 and arm64). */
const clockTicksPerSecond = 100;

/** Every thread's name and CPU so far, s, by thread id: /proc's utime + stime (Linux). */
function threadsCpu(): Map<string, { name: string; seconds: number }> {
  const threads = new Map<string, { name: string; seconds: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    threads.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond });
  }
  return threads;
}

/**
 * CPU used since `before` per thread, s, keyed `name/tid` (node names none of its threads: the verify
 * workers are the busiest `node/...`); the main thread (its id is the pid) is `main`.
 */
function threadsCpuSince(before: Map<string, { name: string; seconds: number }>): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [tid, now] of threadsCpu()) {
    const name = tid === String(process.pid) ? 'main' : `${now.name}/${tid}`;
    used[name] = (used[name] ?? 0) + now.seconds - (before.get(tid)?.seconds ?? 0);
  }
  return used;
}
/** Memory of the largest RSS sample while serving, MiB: where a peak goes (V8 heap, Buffers, the rest). */
interface MemorySample {
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
  readonly arrayBuffersMiB: number;
}
const mib = (bytes: number): number => bytes / 1024 / 1024;
function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return {
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
  };
}
/** The process's peak RSS before serving (start-up, enrolment, rows, worker threads), MiB. */
const readyPeakRssMiB = process.resourceUsage().maxRSS / 1024;
let servingPeak = memorySample();
/** Sampling period of the serving-time memory, ms. */
const memorySampleMs = 50;
// Each tick reads the RSS only (cheap, counted in the main thread's CPU); the heap split only at a new peak.
const sampler = setInterval(() => {
  if (mib(process.memoryUsage.rss()) > servingPeak.rssMiB) servingPeak = memorySample();
}, memorySampleMs);
sampler.unref();
const serving = process.cpuUsage();
const servingThreads = threadsCpu();
console.log(`READY ${JSON.stringify({ url })}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'stop') continue;
  // CPU of every thread (main and verify workers) while serving: a figure the machine's other load does not inflate.
  const used = process.cpuUsage(serving);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const threadCpuSeconds = threadsCpuSince(servingThreads);
  const mainCpuSeconds = threadCpuSeconds.main ?? 0;
  await app.close();
  let storedEntries = 0;
  for (const a of spec.agents) storedEntries += (await store.head(a.agentId)).seq;
  await store.close();
  await rm(spec.dir, { recursive: true, force: true });
  clearInterval(sampler);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const memory = { readyPeakRssMiB, servingPeak };
  const done = { storedEntries, peakRssMiB, cpuSeconds, mainCpuSeconds, threadCpuSeconds, memory };
  console.log(`DONE ${JSON.stringify(done)}`);
  break;
}
process.exit(0);
