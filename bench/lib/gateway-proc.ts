/** Parent side of bench/lib/gateway-child.ts: start a gateway process, use its URL, stop it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { GatewayKeys } from '../../gateway/config.ts';

export interface GatewaySpec {
  readonly dir: string;
  readonly keys: GatewayKeys;
  readonly config?: Record<string, unknown>;
  readonly agents: readonly {
    readonly agentId: string;
    readonly publicKey: string;
    readonly lookupKey: string;
    readonly kpmIds: readonly string[];
  }[];
  readonly rows?: readonly unknown[];
  /** A postgres:// URL (migrated schema): the PostgreSQL store instead of a LevelDB folder. */
  readonly store?: string;
  /** false: enrol no agent and import no row (another replica on the same schema did). */
  readonly enroll?: boolean;
}

/** The gateway's memory (gateway-child.ts): its peak RSS before serving, and the largest RSS sample while serving. */
export interface GatewayMemory {
  readonly readyPeakRssMiB: number;
  readonly servingPeak: {
    readonly rssMiB: number;
    readonly heapUsedMiB: number;
    readonly heapTotalMiB: number;
    readonly externalMiB: number;
    readonly arrayBuffersMiB: number;
  };
}

/** What a stopped gateway reports (its DONE line). */
export interface GatewayDone {
  readonly storedEntries: number;
  readonly peakRssMiB: number;
  readonly cpuSeconds: number;
  /** The gateway's main thread only (the event loop), beside cpuSeconds of all threads. */
  readonly mainCpuSeconds: number;
  /** CPU per thread (`main`, else `name/tid`: verify workers, libuv, V8 helpers), s. */
  readonly threadCpuSeconds: Record<string, number>;
  readonly memory: GatewayMemory;
}

export interface GatewayProcess {
  readonly url: string;
  readonly pid: number;
  /** Stops the gateway; resolves with what it stored, its CPU and its memory. */
  stop(): Promise<GatewayDone>;
}

const startTimeoutMs = 300_000;

export async function startGateway(spec: Omit<GatewaySpec, 'dir'>): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'edc-bench-gw-'));
  const specPath = join(dir, 'spec.json');
  await writeFile(specPath, JSON.stringify({ ...spec, dir }));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_GATEWAY_PROFILE_DIR=D writes the gateway's CPU profile (main thread) to D.
      ...(process.env.BENCH_GATEWAY_PROFILE_DIR
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_GATEWAY_PROFILE_DIR]
        : []),
      '--import',
      'tsx',
      fileURLToPath(new URL('./gateway-child.ts', import.meta.url)),
      specPath,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (prefix: string): Promise<unknown> => {
    const timer = setTimeout(() => child.kill('SIGKILL'), startTimeoutMs);
    try {
      while (true) {
        const { value, done } = await lines.next();
        if (done === true) throw new Error(`bench gateway exited before ${prefix} (status ${String(child.exitCode)})`);
        if (value.startsWith(`${prefix} `)) return JSON.parse(value.slice(prefix.length + 1)) as unknown;
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const { url } = (await next('READY')) as { url: string };
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.stdin!.write('stop\n');
      const done = (await next('DONE')) as GatewayDone;
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      return done;
    },
  };
}
