/**
 * The head record write of one commit round, the way main did it and the way the agent does it
 * now, measured in the same run on the same disk (interleaved, medians):
 *   before  open(r+), write 4 KiB at the slot, fdatasync, close   (four thread-pool trips)
 *   after   one positioned write on a descriptor held open with O_DSYNC (agent/core/head-file.ts)
 * alternating write by write; and beside them, what the ISO 8583 side of one approved 0210 costs
 * in CPU: validate, then encode (before) against encode alone (after: agent/core/responses.ts
 * keeps the bytes it encoded).
 *   npx tsx bench/agent-head-write.ts [writesPerRepeat]
 */
import { constants } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encode, validateMessage, type IsoMessage } from '../protocol/iso8583/index.ts';
import { percentile } from './harness.ts';

const writes = Number(process.argv[2] ?? 200);
const repeats = 5;
const slot = Buffer.alloc(4096, 0x20);

/** One write each way, alternating, so both see the same disk at the same moment. */
async function interleaved(path: string): Promise<{ before: number[]; after: number[] }> {
  const held = await open(path, constants.O_RDWR | constants.O_DSYNC);
  const times = { before: [] as number[], after: [] as number[] };
  try {
    for (let i = 0; i < writes; i++) {
      let start = performance.now();
      const file = await open(path, 'r+');
      await file.write(slot, 0, slot.length, (i % 2) * 4096);
      await file.datasync();
      await file.close();
      times.before.push(performance.now() - start);
      start = performance.now();
      await held.write(slot, 0, slot.length, ((i + 1) % 2) * 4096);
      times.after.push(performance.now() - start);
    }
  } finally {
    await held.close();
  }
  return times;
}

const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

const response: IsoMessage = {
  tpdu: { destination: 0x8000, source: 1 },
  mti: '0210',
  fields: {
    3: '010000',
    4: 50_000,
    11: '000123',
    12: '100000',
    13: '1130',
    37: '000000000123',
    38: 'ABC123',
    39: '00',
    41: 'BT000001',
    42: 'AGT-BENCH      ',
    54: [{ accountType: '00', amountType: '02', currency: '360', amount: 450_000 }],
    62: 'Transaksi berhasil',
  },
};

function cpuPerCall(n: number, fn: () => void): number {
  for (let i = 0; i < 500; i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const dir = await mkdtemp(join(tmpdir(), 'edc-bench-head-'));
const path = join(dir, 'edc-head.bin');
await writeFile(path, Buffer.alloc(8192));
const rows: Record<string, number[]> = {
  beforeP50: [],
  beforeP99: [],
  afterP50: [],
  afterP99: [],
  isoBefore: [],
  isoAfter: [],
};
try {
  for (let r = 0; r < repeats; r++) {
    const times = await interleaved(path);
    const b = times.before.sort((x, y) => x - y);
    const a = times.after.sort((x, y) => x - y);
    rows.beforeP50!.push(percentile(b, 0.5));
    rows.beforeP99!.push(percentile(b, 0.99));
    rows.afterP50!.push(percentile(a, 0.5));
    rows.afterP99!.push(percentile(a, 0.99));
    rows.isoBefore!.push(cpuPerCall(3000, () => (validateMessage(response), encode(response))));
    rows.isoAfter!.push(cpuPerCall(3000, () => encode(response)));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const load = (await import('node:os'))
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(
  JSON.stringify({
    writes,
    repeats,
    load,
    medians: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Number(median(v).toFixed(3))])),
  }),
);
