/**
 * Child of watchdog.test.ts: `blocked` blocks the main thread in native code (Atomics.wait), as a
 * deadlock does; `stalled` keeps the event loop running with no progress; `done` progresses and stops.
 */
import { watchProgress } from '../../bench/lib/watchdog.ts';

const mode = process.argv[2];
let progress = 0;
const watchdog = watchProgress(
  `watchdog test (${mode})`,
  () => progress,
  () => ({ mode, progress }),
);
if (mode === 'blocked') setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 100);
else if (mode === 'stalled') setInterval(() => undefined, 100);
else {
  const timer = setInterval(() => (progress += 1), 50);
  setTimeout(() => {
    clearInterval(timer);
    watchdog.stop();
  }, 1500);
}
