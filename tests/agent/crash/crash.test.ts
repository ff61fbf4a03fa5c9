/**
 * Crash test: a child agent (real core + real TCP link) serves a stream of withdrawals from
 * several simulated terminals and is killed with SIGKILL at a random moment, CRASH_ROUNDS times
 * (default 50). After every kill the ledger is opened here and must hold:
 *   1. every withdrawal whose approval reached a terminal, exactly once;
 *   2. verifyLedger() ok (hashes, signatures, links, indexes, arithmetic);
 *   3. each KPM's remaining entitlement (0100 balance) = initial minus the ledger's net withdrawals.
 * The RNG is seeded; the seed is printed so that a failing run can be replayed (CRASH_SEED).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardPinField55, connectTcpTerminal, EdcTerminal, track2 } from '../../../simulators/terminal/index.ts';
import type { KksCard } from '../../../simulators/terminal/index.ts';
import type { IsoMessage } from '../../../protocol/iso8583/index.ts';
import type { LedgerEntry } from '../../../protocol/messages/index.ts';
import { makeFixture, openFixtureCore, seededRandom } from '../io/support/fixture.ts';
import type { Fixture } from '../io/support/fixture.ts';

const rounds = Number(process.env.CRASH_ROUNDS ?? 50);
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
const terminalsPerRound = 4;
const child = resolve(import.meta.dirname, 'agent-child.ts');
let fixture: Fixture;
let statePath: string;

beforeAll(async () => {
  console.log(`crash test: seed ${seed} (replay with CRASH_SEED=${seed}), rounds ${rounds}`);
  fixture = await makeFixture({ cards: 4, remaining: 500_000_000, seed });
  statePath = join(fixture.dir, 'child.json');
  await writeFile(
    statePath,
    JSON.stringify({
      dir: join(fixture.dir, 'ledger'),
      agentId: fixture.agentId,
      seed: fixture.agentKeys.seed,
      gatewayPublicKey: fixture.gatewayKeys.publicKey,
      set: fixture.set,
    }),
  );
});
afterAll(async () => fixture.cleanup());

function startChild(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, statePath], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) done({ proc, port: Number(match[1]) });
    });
    proc.once('exit', (code) => fail(new Error(`agent child exited early with ${String(code)}`)));
  });
}

interface Approval {
  readonly terminalId: string;
  readonly stan: string;
  readonly localDate: string;
  readonly amount: number;
}

/** Withdrawals from one terminal until stopped; records each approval the terminal received. */
async function drive(
  port: number,
  terminalId: string,
  stanStart: number,
  cards: KksCard[],
  random: () => number,
  approvals: Approval[],
  stop: { now: boolean },
): Promise<void> {
  const transport = await connectTcpTerminal('127.0.0.1', port).catch(() => undefined);
  if (transport === undefined) return;
  const terminal = new EdcTerminal({
    transport,
    terminalId,
    merchantId: 'AGT-001        ',
    responseTimeoutMs: 500,
    reversalTriesMax: 1,
    stanStart,
  });
  while (!stop.now) {
    const card = cards[Math.floor(random() * cards.length)]!;
    const exchange = await terminal.withdraw(card, card.pin, 10_000 * (1 + Math.floor(random() * 5)));
    if (exchange.kind !== 'response') return;
    const f = exchange.response.fields;
    if (f[39] === '00') approvals.push({ terminalId, stan: f[11]!, localDate: f[13]!, amount: f[4]! });
  }
}

async function allEntries(
  fixture: Fixture,
): Promise<{ entries: LedgerEntry[]; remaining: number[]; verified: { ok: boolean; problems: string[] } }> {
  const core = await openFixtureCore(fixture);
  try {
    const entries = await core.unacknowledged(100_000);
    const verified = await core.verifyLedger();
    const remaining: number[] = [];
    for (const card of fixture.cards) remaining.push(await balanceOf(card, (m) => core.handle(m)));
    return { entries, remaining, verified };
  } finally {
    await core.close();
  }
}

let balanceStan = 900_000;
async function balanceOf(card: KksCard, handle: (m: IsoMessage) => Promise<IsoMessage>): Promise<number> {
  const response = await handle({
    tpdu: { destination: 1, source: 0 },
    mti: '0100',
    fields: {
      2: card.pan,
      3: '310000',
      11: String(balanceStan++),
      12: '120000',
      13: '1122',
      14: card.expiry,
      22: '051',
      25: '00',
      35: track2(card),
      41: 'CHECKER1',
      42: 'AGT-001        ',
      55: cardPinField55(card, card.pin),
    },
  });
  expect(response.fields[39]).toBe('00');
  return response.fields[54]![0]!.amount;
}

describe('agent crash safety under SIGKILL', () => {
  it(`keeps every approved withdrawal exactly once across ${rounds} kills`, async () => {
    const random = seededRandom(seed);
    const approvals: Approval[] = [];
    for (let round = 0; round < rounds; round++) {
      const { proc, port } = await startChild();
      const stop = { now: false };
      const drivers = Array.from({ length: terminalsPerRound }, (_, t) =>
        drive(
          port,
          `TRM${String(t).padStart(5, '0')}`,
          round * 2000 + 1,
          fixture.cards,
          seededRandom(seed + round * 17 + t),
          approvals,
          stop,
        ),
      );
      await new Promise((done) => setTimeout(done, 20 + Math.floor(random() * 250)));
      const exited = new Promise((done) => proc.once('exit', done));
      proc.kill('SIGKILL');
      await exited;
      stop.now = true;
      // Drivers still waiting on the dead socket time out on their own; an approval that lands after
      // this round's check is checked in the next round (the list is cumulative) or after the loop.
      await Promise.race([Promise.all(drivers), new Promise((done) => setTimeout(done, 100))]);

      const { entries, remaining, verified } = await allEntries(fixture);
      expect(verified, `round ${round}: ${verified.problems.join('; ')}`).toMatchObject({ ok: true });
      const key = (e: { terminalId: string; stan: string; localDate: string }): string =>
        `${e.terminalId}/${e.stan}/${e.localDate}`;
      const withdrawals = new Map<string, number>();
      for (const e of entries) if (e.kind === 'withdrawal') withdrawals.set(key(e), (withdrawals.get(key(e)) ?? 0) + 1);
      for (const approval of approvals)
        expect(withdrawals.get(key(approval)), `round ${round}: approval ${key(approval)} missing or duplicated`).toBe(
          1,
        );
      const net = fixture.cards.map((_, i) => {
        const kpmId = `KPM-${String(i + 1).padStart(4, '0')}`;
        return entries
          .filter((e) => e.kpmId === kpmId)
          .reduce((sum, e) => sum + (e.kind === 'withdrawal' ? e.amount : -e.amount), 0);
      });
      expect(remaining).toEqual(net.map((n) => fixture.remainingStart - n));
    }
    await new Promise((done) => setTimeout(done, 1_200));
    const { entries } = await allEntries(fixture);
    const final = new Set(
      entries.filter((e) => e.kind === 'withdrawal').map((e) => `${e.terminalId}/${e.stan}/${e.localDate}`),
    );
    for (const a of approvals) expect(final.has(`${a.terminalId}/${a.stan}/${a.localDate}`)).toBe(true);
    console.log(
      `crash test: ${rounds} SIGKILLs, ${approvals.length} approvals received by terminals,` +
        ' all in the ledger exactly once',
    );
    expect(approvals.length).toBeGreaterThan(0);
  }, 600_000);
});
