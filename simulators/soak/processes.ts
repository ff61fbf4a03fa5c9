/**
 * The soak's real processes: each agent is `edc-agent start` in its own process (through
 * agent-child.ts, for its wall clock), the gateway is `edc-gateway serve`. Both are started
 * again on the same folders and ports after every kill, as a shop owner or an operator would.
 * An agent's JSON log lines (level warn and up) are read to count the storage failures it
 * detected and recovered from, and any forwarding halt (which the soak's faults must never cause).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { StorageFaultPlan } from '../../agent/core/faulty-db.ts';
import { storageFaultsEnv } from '../../agent/core/faulty-db.ts';
import { ERR_SIM_SOAK_PROCESS } from '../errors.ts';
import { clockOffsetEnv } from './clock-env.ts';

const root = resolve(import.meta.dirname, '../..');
const agentChild = resolve(import.meta.dirname, 'agent-child.ts');
const gatewayBin = resolve(root, 'bin/edc-gateway.mjs');
/** A process that has not said it serves within this long is a failed start. */
export const processStartTimeoutMs = 60_000;

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<Exited>;
}

/** Spawns, then waits for `ready` on stderr; fails with the process's last words if it exits first. */
function startProcess(args: readonly string[], env: NodeJS.ProcessEnv, ready: RegExp, what: string): Promise<Started> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const exited = new Promise<Exited>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return new Promise((done, fail) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new ERR_SIM_SOAK_PROCESS(`${what} did not start within ${processStartTimeoutMs} ms`, { what }));
    }, processStartTimeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4_000);
      if (ready.test(err)) {
        clearTimeout(timer);
        done({ child, exited });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(
        new ERR_SIM_SOAK_PROCESS(
          `${what} exited (${String(code ?? signal)}) before it served: ${err.trim().split('\n').at(-1) ?? ''}`,
          { what, code },
        ),
      );
    });
  });
}

export interface AgentLogCounts {
  /** 'ledger batch failed': the agent saw a write fail and refused until the ledger was reopened. */
  storageFailures: number;
  /** 'ledger reopened and verified after a storage failure'. */
  storageRecoveries: number;
  /** 'forwarding halted' (a soak fault must never halt: invariant 8). */
  halts: string[];
  /** 'ledger damaged' (a storage fault must never damage the ledger). */
  damaged: string[];
}

export class AgentProcess {
  private started: Started | undefined;
  private expectingExit = false;
  readonly logs: AgentLogCounts = { storageFailures: 0, storageRecoveries: 0, halts: [], damaged: [] };
  /** Exits nobody asked for (a crash): each is a violation. */
  readonly unexpectedExits: string[] = [];
  runs = 0;

  constructor(
    readonly agentId: string,
    readonly dir: string,
    readonly statusPort: number,
  ) {}

  get running(): boolean {
    return this.started !== undefined;
  }

  async start(clockOffsetMs: number, faults?: StorageFaultPlan): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, [clockOffsetEnv]: String(clockOffsetMs) };
    delete env[storageFaultsEnv];
    if (faults !== undefined) env[storageFaultsEnv] = JSON.stringify(faults);
    const started = await startProcess(
      ['--import', 'tsx', agentChild, 'start', '--dir', this.dir],
      env,
      /berjalan \/ running/,
      `agent ${this.agentId}`,
    );
    this.runs += 1;
    this.started = started;
    this.expectingExit = false;
    this.readLogs(started.child);
    void started.exited.then((exit) => {
      if (this.started !== started) return;
      this.started = undefined;
      if (!this.expectingExit)
        this.unexpectedExits.push(`${this.agentId} exited on its own (${String(exit.code ?? exit.signal)})`);
    });
  }

  private readLogs(child: ChildProcess): void {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) this.countLine(line);
    });
  }

  private countLine(line: string): void {
    let record: { msg?: unknown; haltReason?: unknown; err?: { code?: unknown; message?: unknown } };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return;
    }
    const msg = typeof record.msg === 'string' ? record.msg : '';
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    const why = `${text(record.err?.code) || text(record.haltReason)} ${text(record.err?.message)}`.trim();
    if (msg.startsWith('ledger batch failed')) this.logs.storageFailures += 1;
    else if (msg.startsWith('ledger reopened and verified')) this.logs.storageRecoveries += 1;
    else if (msg === 'forwarding halted') this.logs.halts.push(`${this.agentId}: ${why}`);
    else if (msg.startsWith('ledger damaged')) this.logs.damaged.push(`${this.agentId}: ${why}`);
  }

  /** Sends the signal and waits for the process to end. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<Exited | undefined> {
    const started = this.started;
    if (started === undefined) return undefined;
    this.expectingExit = true;
    started.child.kill(signal);
    const exit = await started.exited;
    this.started = undefined;
    return exit;
  }

  setClock(offsetMs: number): void {
    if (this.started?.child.connected === true) this.started.child.send({ clockOffsetMs: offsetMs });
  }

  /** The agent's status report, or undefined when it does not answer. */
  async status(): Promise<AgentStatusView | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.statusPort}/v1/status`, {
        signal: AbortSignal.timeout(5_000),
      });
      return response.ok ? ((await response.json()) as AgentStatusView) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Asks for a forwarding pass now (POST /v1/sync); its outcome does not matter here. */
  async nudge(): Promise<void> {
    await fetch(`http://127.0.0.1:${this.statusPort}/v1/sync`, {
      method: 'POST',
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
  }
}

export interface AgentStatusView {
  readonly queue: { readonly depth: number };
  readonly haltReason: string | null;
  readonly authorization: { readonly state: string };
  readonly ledger: { readonly head: { readonly seq: number } };
}

export class GatewayProcess {
  private started: Started | undefined;
  private expectingExit = false;
  readonly unexpectedExits: string[] = [];
  runs = 0;

  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get running(): boolean {
    return this.started !== undefined;
  }

  async start(): Promise<void> {
    const started = await startProcess(
      [gatewayBin, 'serve', '--dir', this.dir, '--port', String(this.port)],
      { ...process.env },
      /listening on/,
      'gateway',
    );
    this.runs += 1;
    this.started = started;
    this.expectingExit = false;
    started.child.stdout!.resume();
    void started.exited.then((exit) => {
      if (this.started !== started) return;
      this.started = undefined;
      if (!this.expectingExit)
        this.unexpectedExits.push(`gateway exited on its own (${String(exit.code ?? exit.signal)})`);
    });
  }

  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<Exited | undefined> {
    const started = this.started;
    if (started === undefined) return undefined;
    this.expectingExit = true;
    started.child.kill(signal);
    const exit = await started.exited;
    this.started = undefined;
    return exit;
  }
}
