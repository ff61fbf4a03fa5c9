/**
 * A round writes twice before it answers, side by side: the LevelDB batch (then its read-back)
 * and the head record carrying the same batch. The process is killed (SIGKILL, a real child) at
 * each point between them: after the batch is durable (the record may or may not be), after the
 * record is durable (the batch may or may not be), and with the record durable and the batch
 * never written (record-only: the open completes it from the record). Each way, after a restart
 * the ledger is trusted (no false rollback), every 00 heard is in it exactly once, the unanswered
 * withdrawal is reversed by the terminal's 0400 as a terminal does after its timeout, no
 * sequence number is reused, and the ledger verifies.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentCore } from '../../../agent/core/index.ts';
import { headRecordFileName } from '../../../agent/core/store.ts';
import {
  agentId,
  agentKeys,
  cards,
  code,
  gatewayKeys,
  reversal,
  tempLedger,
  withdrawal,
  type TempLedger,
} from '../core/fixtures.ts';
import { audit, bigSet, keyOf, type Heard } from './support.ts';

const child = fileURLToPath(new URL('./stall-child.ts', import.meta.url));

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

/** Runs the child until it stalls at `mode`, kills it, and returns the first answer it heard. */
async function runAndKill(mode: string, state: string): Promise<{ stan: string; code: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, state, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((done, fail) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('STALLED')) done();
    });
    proc.once('exit', (exitCode) => fail(new Error(`stall child exited early with ${String(exitCode)}: ${out}`)));
  });
  const exited = new Promise((done) => proc.once('exit', done));
  proc.kill('SIGKILL');
  await exited;
  expect(out).not.toContain('ANSWERED');
  const [, stan, heardCode] = /HEARD (\d+) (\d+)/.exec(out) ?? [];
  return { stan: stan!, code: heardCode! };
}

describe('SIGKILL between the two writes of a round', () => {
  for (const mode of ['after-batch', 'after-record', 'record-only']) {
    it(`${mode}: restart trusts the ledger, keeps every 00 heard once, reuses no seq`, async () => {
      const now = Date.now();
      const set = bigSet({ issuedAt: now - 60_000, expiresAt: now + 86_400_000 });
      const first = withdrawal(cards[0]!.pan, 10_000);
      const second = withdrawal(cards[1]!.pan, 20_000);
      const state = join(ledger.dir, 'state.json');
      const dir = join(ledger.dir, 'ledger');
      const seed = agentKeys.seed;
      await writeFile(
        state,
        JSON.stringify({
          dir,
          agentId,
          seed,
          gatewayPublicKey: gatewayKeys.publicKey,
          set,
          requests: [first, second].map((r) => ({ pan: r.fields[2], amount: r.fields[4], stan: r.fields[11] })),
        }),
      );
      const heardFirst = await runAndKill(mode, state);
      expect(heardFirst).toEqual({ stan: first.fields[11], code: '00' });

      core = await ledger.open();
      expect((await core.status()).authorization.state).toBe('ok');
      const before = await core.unacknowledged(100);
      // Every mode leaves the second withdrawal in the ledger, unanswered: record-only through the
      // batch its head record carries, written again on open (head-batch.ts).
      expect(before.map((e) => [e.seq, e.kind])).toEqual([
        [1, 'withdrawal'],
        [2, 'withdrawal'],
      ]);
      // The terminal heard nothing for the second and reverses it after its timeout.
      expect(code(await core.handle(reversal(second)))).toBe('00');
      const third = withdrawal(cards[2]!.pan, 30_000);
      expect(code(await core.handle(third))).toBe('00');
      const entries = await core.unacknowledged(100);
      const seqs = entries.map((e) => e.seq);
      expect(seqs).toEqual([1, 2, 3, 4]);
      const heard: Heard = new Map([
        [keyOf({ terminalId: first.fields[41]!, stan: first.fields[11]!, localDate: first.fields[13]! }), '00'],
        [keyOf({ terminalId: third.fields[41]!, stan: third.fields[11]!, localDate: third.fields[13]! }), '00'],
      ]);
      expect(audit(entries, heard)).toMatchObject({ approvals: 2, lost: 0, duplicated: 0, unheard: 0 });
      expect((await core.verifyLedger()).ok).toBe(true);
    });
  }

  it('record-only-group: a round of four approvals is completed from the batch region of its record', async () => {
    const now = Date.now();
    const set = bigSet({ issuedAt: now - 60_000, expiresAt: now + 86_400_000 });
    const requests = [0, 1, 2, 3, 4].map((i) => withdrawal(cards[i]!.pan, 10_000 * (i + 1)));
    const state = join(ledger.dir, 'state.json');
    await writeFile(
      state,
      JSON.stringify({
        dir: join(ledger.dir, 'ledger'),
        agentId,
        seed: agentKeys.seed,
        gatewayPublicKey: gatewayKeys.publicKey,
        set,
        requests: requests.map((r) => ({ pan: r.fields[2], amount: r.fields[4], stan: r.fields[11] })),
      }),
    );
    const heardFirst = await runAndKill('record-only-group', state);
    expect(heardFirst).toEqual({ stan: requests[0]!.fields[11], code: '00' });
    // The round's ops are far larger than a record slot: they went to the batch region.
    const slots = await readFile(join(ledger.dir, 'ledger', headRecordFileName));
    const records = [0, 1].map((slot) => {
      const text = slots.subarray(slot * 4096, slot * 4096 + 4096).toString('utf8');
      return JSON.parse(text.slice(0, text.indexOf('\0'))) as { version: number; batch?: { ops?: string } };
    });
    const newest = records.reduce((a, b) => (b.version > a.version ? b : a));
    expect(newest.batch).toBeDefined();
    expect(newest.batch?.ops).toBeUndefined();

    core = await ledger.open();
    expect((await core.status()).authorization.state).toBe('ok');
    const entries = await core.unacknowledged(100);
    expect(entries.map((e) => [e.seq, e.amount])).toEqual(requests.map((r, i) => [i + 1, r.fields[4]]));
    for (const request of requests.slice(1)) expect(code(await core.handle(reversal(request)))).toBe('00');
    const heard: Heard = new Map([
      [
        keyOf({
          terminalId: requests[0]!.fields[41]!,
          stan: requests[0]!.fields[11]!,
          localDate: requests[0]!.fields[13]!,
        }),
        '00',
      ],
    ]);
    expect(audit(await core.unacknowledged(100), heard)).toMatchObject({
      approvals: 1,
      lost: 0,
      duplicated: 0,
      unheard: 0,
    });
    expect((await core.verifyLedger()).ok).toBe(true);
  });
});
