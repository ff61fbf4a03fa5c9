/**
 * A stall watchdog for benchmarks: when `progress()` has not moved for `BENCH_STALL_S` seconds
 * (default 60), it writes what `dump()` returns and the process's active libuv resources to stderr
 * and exits with code 3, so a hang is a clear, diagnosable failure instead of a run killed from
 * outside. It measures progress, not time: a slow run on a loaded machine keeps going.
 */
const exitCodeStalled = 3;

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
  return { stop: () => clearInterval(timer) };
}
