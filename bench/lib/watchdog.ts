/**
 * A stall watchdog for benchmarks: when `progress()` has not moved for `BENCH_STALL_S` seconds
 * (default 60), it writes what `dump()` returns and the process's active libuv resources to stderr
 * and exits with code 3, so a hang is a clear, diagnosable failure instead of a run killed from
 * outside. It measures progress, not time: a slow run on a loaded machine keeps going.
 *
 * A main thread blocked in native code (a deadlock: the seal() hang of 2026-12-01, see
 * protocol/crypto/seal.ts freshX25519) runs no timer at all, so a worker thread watches a
 * heartbeat the main thread beats; when it stops for as long, the worker writes the process id
 * (for `gdb -p PID -batch -ex 'thread apply all bt'`) straight to stderr and aborts the process
 * (SIGABRT, exit 134).
 */
import { Worker } from 'node:worker_threads';

const exitCodeStalled = 3;
const beatMs = 250;

// Shared with the watcher: [0] heartbeat count, [1] armed (1 while a watch runs), [2] always 0 (the
// watcher sleeps on it), then the label.
const labelBytesMax = 240;
const shared = new SharedArrayBuffer(12 + labelBytesMax);
const beats = new Int32Array(shared, 0, 3);
const labelBytes = new Uint8Array(shared, 12);
let watcher: Worker | undefined;
let heart: ReturnType<typeof setInterval> | undefined;

const blockedWatcher = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beats = new Int32Array(workerData.shared, 0, 3);
const label = new Uint8Array(workerData.shared, 12);
let last = Atomics.load(beats, 0);
let movedAt = Date.now();
for (;;) {
  Atomics.wait(beats, 2, 0, ${beatMs});
  const now = Atomics.load(beats, 0);
  if (now !== last || Atomics.load(beats, 1) !== 1) { last = now; movedAt = Date.now(); continue; }
  const still = Date.now() - movedAt;
  if (still < workerData.limitMs) continue;
  const text = Buffer.from(label).toString('utf8').replace(/\\0+$/, '');
  writeSync(2, 'bench: STALL in ' + text + ': the main thread is blocked (no heartbeat for ' +
    Math.round(still / 1000) + ' s), a synchronous deadlock; pid ' + process.pid + ', aborting\\n');
  process.kill(process.pid, 'SIGABRT');
}
`;

/**
 * One watcher thread per process, started by the first watch and kept (unref'd, so it never holds
 * the process open): starting a thread costs tens of ms of CPU, which must not land inside a
 * measured run.
 */
function armBlockedWatcher(label: string, limitMs: number): void {
  labelBytes.fill(0);
  labelBytes.set(Buffer.from(label, 'utf8').subarray(0, labelBytesMax));
  Atomics.store(beats, 1, 1);
  if (watcher === undefined) {
    watcher = new Worker(blockedWatcher, { eval: true, workerData: { shared, limitMs } });
    watcher.unref();
  }
  heart ??= setInterval(() => Atomics.add(beats, 0, 1), beatMs);
  heart.unref();
}

function disarmBlockedWatcher(): void {
  Atomics.store(beats, 1, 0);
}

export interface Watchdog {
  stop(): void;
}

export function stallSeconds(): number {
  const raw = process.env.BENCH_STALL_S;
  const seconds = raw === undefined ? 60 : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`BENCH_STALL_S must be a positive number of seconds`);
  return seconds;
}

export function watchProgress(label: string, progress: () => number, dump: () => unknown): Watchdog {
  const limitMs = stallSeconds() * 1000;
  armBlockedWatcher(label, limitMs);
  let last = progress();
  let movedAt = performance.now();
  const timer = setInterval(
    () => {
      const now = progress();
      if (now !== last) {
        last = now;
        movedAt = performance.now();
        return;
      }
      if (performance.now() - movedAt < limitMs) return;
      const report = { label, progress: now, stalledMs: Math.round(performance.now() - movedAt), state: dump() };
      process.stderr.write(
        `bench: STALL in ${label}: no progress for ${stallSeconds()} s\n` +
          `${JSON.stringify(report)}\nactive resources: ${JSON.stringify(process.getActiveResourcesInfo())}\n`,
      );
      process.exit(exitCodeStalled);
    },
    Math.min(1000, limitMs),
  );
  return {
    stop: () => {
      clearInterval(timer);
      disarmBlockedWatcher();
    },
  };
}
