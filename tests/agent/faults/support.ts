/**
 * Shared parts of the fault tests: simulated terminals that keep withdrawing through a core (in
 * process) and remember what each request was answered, and the audit that holds the ledger to
 * what the terminals heard:
 *   lost        a 00 a terminal heard that is not a withdrawal in the ledger, or that the agent
 *               reversed itself (the KPM got the cash, the ledger says nothing was paid);
 *   duplicated  a request key with two withdrawal entries;
 *   unheard     a withdrawal in the ledger, not reversed, whose terminal never heard 00 (money
 *               counted as paid that nobody was told was approved: invariant 7).
 * Every test prints one line per fault class with these counts (the closing note's figures).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { AgentCore, LedgerEntry } from '../../../agent/core/index.ts';
import type { IsoMessage } from '../../../protocol/iso8583/index.ts';
import type { EntitlementSetBody } from '../../../protocol/messages/index.ts';
import { connectTcpTerminal, EdcTerminal, type KksCard } from '../../../simulators/terminal/index.ts';
import {
  agentId,
  agentKeys,
  cards,
  gatewayKeys,
  reversal,
  setBody,
  signedSet,
  tempLedger,
  withdrawal,
  type TempLedger,
} from '../core/fixtures.ts';

export const bigSet = (overrides: Partial<EntitlementSetBody> = {}) =>
  signedSet({
    limits: { withdrawalAmountMax: 1_000_000, cashFloat: 1_000_000_000_000, queueEntriesMax: 1_000_000 },
    entitlements: setBody().entitlements.map((e) => ({ ...e, remaining: 1_000_000_000 })),
    ...overrides,
  });

export type Heard = Map<string, string>;

export const keyOf = (e: { terminalId: string; stan: string; localDate: string }): string =>
  `${e.terminalId}/${e.stan}/${e.localDate}`;

/** The key of the withdrawal `request` sends, as a Heard map holds it. */
export const requestKey = (request: IsoMessage): string =>
  keyOf({ terminalId: request.fields[41]!, stan: request.fields[11]!, localDate: request.fields[13]! });

/**
 * A fresh temp ledger for each test of the file (its clock at the real time): `dir` is the test's
 * temp folder, open() opens the core on it; after the test that core is closed and the folder removed.
 */
export function ledgerPerTest(): { readonly dir: string; open(): Promise<AgentCore> } {
  let ledger: TempLedger;
  let core: AgentCore | undefined;
  beforeEach(async () => {
    ledger = await tempLedger();
    ledger.clock.now = Date.now();
  });
  afterEach(async () => {
    await core?.close();
    core = undefined;
    await ledger.cleanup();
  });
  return {
    get dir() {
      return ledger.dir;
    },
    open: async () => (core = await ledger.open()),
  };
}

/**
 * Writes `<tempDir>/state.json` for a child (child-support.ts's RequestsState): the ledger in
 * `<tempDir>/ledger`, the fixtures' keys, a big set valid from a minute ago for a day, and the requests.
 */
export async function writeChildState(tempDir: string, requests: readonly IsoMessage[]): Promise<string> {
  const state = join(tempDir, 'state.json');
  const now = Date.now();
  await writeFile(
    state,
    JSON.stringify({
      dir: join(tempDir, 'ledger'),
      agentId,
      seed: agentKeys.seed,
      gatewayPublicKey: gatewayKeys.publicKey,
      set: bigSet({ issuedAt: now - 60_000, expiresAt: now + 86_400_000 }),
      requests: requests.map((r) => ({ pan: r.fields[2], amount: r.fields[4], stan: r.fields[11] })),
    }),
  );
  return state;
}

/**
 * Spawns `child STATE MODE` (node --import tsx), waits until `ready(stdout so far)`, kills it
 * (SIGKILL), and returns all it printed. Exiting first fails with `<name> exited early with ...`.
 */
export async function runChildUntilKilled(
  child: string,
  args: { state: string; mode: string; name: string; ready: (out: string) => boolean },
): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, args.state, args.mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((done, fail) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (args.ready(out)) done();
    });
    proc.once('exit', (exitCode) => fail(new Error(`${args.name} exited early with ${String(exitCode)}: ${out}`)));
  });
  const exited = new Promise((done) => proc.once('exit', done));
  proc.kill('SIGKILL');
  await exited;
  return out;
}

export interface Driver {
  readonly heard: Heard;
  /** Codes heard, in order, with the time they were heard (performance.now()). */
  readonly codes: Array<{ code: string; at: number }>;
  approvals(): number;
  count(code: string, since?: number): number;
  stop(): Promise<void>;
}

/** `terminals` loops, each sending a withdrawal as soon as the previous one is answered. */
export function driveTerminals(core: AgentCore, terminals: number, runTag: string): Driver {
  const heard: Heard = new Map();
  const codes: Array<{ code: string; at: number }> = [];
  let running = true;
  const loops = Array.from({ length: terminals }, async (_, t) => {
    const terminalId = `T${runTag.padStart(3, '0').slice(-3)}${String(t).padStart(4, '0')}`;
    for (let stan = 1; running && stan < 1_000_000; stan++) {
      const request: IsoMessage = withdrawal(cards[(stan + t) % cards.length]!.pan, 10_000 * (1 + (stan % 5)), {
        11: String(stan).padStart(6, '0'),
        41: terminalId,
      });
      const answer = await core.handle(request).then(
        (response) => response.fields[39] ?? '?',
        (error: { code?: string }) => (error.code === 'EDC_ERR_LEDGER_CLOSED' ? undefined : 'timeout'),
      );
      if (answer === undefined) return;
      // No answer (an approval of a failed round that could not be recorded): the terminal times
      // out and reverses it, once, as terminals do (the 0400's answer is not awaited further).
      if (answer === 'timeout')
        await core.handle(reversal(request, { 11: String(500_000 + stan) })).catch(() => undefined);
      const code = answer;
      heard.set(keyOf({ terminalId, stan: request.fields[11]!, localDate: request.fields[13]! }), code);
      codes.push({ code, at: performance.now() });
      // Yield so the terminals interleave and group commit forms groups.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  return {
    heard,
    codes,
    approvals: () => [...heard.values()].filter((code) => code === '00').length,
    count: (code, since = 0) => codes.filter((c) => c.code === code && c.at >= since).length,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

export interface Audit {
  readonly approvals: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly unheard: number;
  readonly reversedByAgent: number;
}

export function audit(entries: readonly LedgerEntry[], heard: Heard): Audit {
  const withdrawals = new Map<string, LedgerEntry[]>();
  const reversed = new Set<string>();
  let reversedByAgent = 0;
  for (const entry of entries) {
    if (entry.kind === 'withdrawal') withdrawals.set(keyOf(entry), [...(withdrawals.get(keyOf(entry)) ?? []), entry]);
    else {
      reversed.add(entry.reverses);
      if (entry.reason === 'response_timeout') reversedByAgent += 1;
    }
  }
  let approvals = 0;
  let lost = 0;
  for (const [key, code] of heard) {
    if (code !== '00') continue;
    approvals += 1;
    const found = withdrawals.get(key) ?? [];
    if (found.length === 0 || found.every((entry) => reversed.has(entry.id))) lost += 1;
  }
  const duplicated = [...withdrawals.values()].filter((found) => found.length > 1).length;
  let unheard = 0;
  for (const [key, found] of withdrawals) {
    if (heard.get(key) !== '00' && found.some((entry) => !reversed.has(entry.id))) unheard += 1;
  }
  return { approvals, lost, duplicated, unheard, reversedByAgent };
}

/** Waits until `check` holds (polling), or fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function report(
  fault: string,
  figures: { runs: number; injected: number; heardWhileFaulty: string } & Audit,
): string {
  return (
    `fault ${fault}: runs ${figures.runs}, faults injected ${figures.injected}, approvals ${figures.approvals}, ` +
    `lost ${figures.lost}, duplicated ${figures.duplicated}, unheard ${figures.unheard}, ` +
    `reversed by the agent ${figures.reversedByAgent}; terminals heard while it lasted: ${figures.heardWhileFaulty}`
  );
}

export function sumAudits(audits: readonly Audit[]): Audit {
  return audits.reduce(
    (a, b) => ({
      approvals: a.approvals + b.approvals,
      lost: a.lost + b.lost,
      duplicated: a.duplicated + b.duplicated,
      unheard: a.unheard + b.unheard,
      reversedByAgent: a.reversedByAgent + b.reversedByAgent,
    }),
    { approvals: 0, lost: 0, duplicated: 0, unheard: 0, reversedByAgent: 0 },
  );
}

/** What terminals heard from the first 96 after `since` until the next approval: "96 x7, 05 x1". */
export function heardWhileFaulty(codes: ReadonlyArray<{ code: string; at: number }>, since: number): string {
  const first = codes.findIndex((c) => c.at >= since && c.code === '96');
  if (first < 0) return 'no 96';
  const next = codes.findIndex((c, i) => i > first && c.code === '00');
  return describeCodes(codes.slice(first, next < 0 ? codes.length : next));
}

/** "96 x7, 00 x3" */
export function describeCodes(codes: ReadonlyArray<{ code: string }>): string {
  const counts = new Map<string, number>();
  for (const { code } of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  if (counts.size === 0) return 'nothing';
  return [...counts].map(([code, n]) => `${code} x${n}`).join(', ');
}

export interface TcpDriverOptions {
  readonly port: number;
  readonly terminals: number;
  readonly tag: string;
  readonly cards: readonly KksCard[];
  readonly stanStart: number;
  readonly responseTimeoutMs: number;
}

/**
 * Real EDC terminal emulators over TCP (simulators/terminal), each withdrawing until stopped or
 * until a request goes unanswered (the agent stopped or died). A 0200 that times out is reversed
 * once, as terminals are required to.
 */
export function driveTcpTerminals(options: TcpDriverOptions): Driver {
  const heard: Heard = new Map();
  const codes: Array<{ code: string; at: number }> = [];
  let running = true;
  const loops = Array.from({ length: options.terminals }, async (_, t) => {
    const transport = await connectTcpTerminal('127.0.0.1', options.port).catch(() => undefined);
    if (transport === undefined) return;
    const terminalId = `${options.tag.slice(0, 4).padEnd(4, 'X')}${String(t).padStart(4, '0')}`;
    const terminal = new EdcTerminal({
      transport,
      terminalId,
      merchantId: 'AGT-001        ',
      responseTimeoutMs: options.responseTimeoutMs,
      reversalTriesMax: 1,
      stanStart: options.stanStart,
    });
    for (let i = 0; running; i++) {
      const card = options.cards[(i + t) % options.cards.length]!;
      const exchange = await terminal.withdraw(card, card.pin, 10_000 * (1 + (i % 5)));
      const f = exchange.request.fields;
      const code = exchange.kind === 'response' ? (exchange.response.fields[39] ?? '?') : 'timeout';
      heard.set(keyOf({ terminalId, stan: f[11]!, localDate: f[13]! }), code);
      codes.push({ code, at: performance.now() });
      if (exchange.kind !== 'response') break;
    }
    await transport.close().catch(() => undefined);
  });
  return {
    heard,
    codes,
    approvals: () => [...heard.values()].filter((code) => code === '00').length,
    count: (code, since = 0) => codes.filter((c) => c.code === code && c.at >= since).length,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
