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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headRecordFileName } from '../../../agent/core/store.ts';
import { cards, code, reversal, withdrawal } from '../core/fixtures.ts';
import { audit, ledgerPerTest, requestKey, runChildUntilKilled, writeChildState, type Heard } from './support.ts';

const child = fileURLToPath(new URL('./stall-child.ts', import.meta.url));

const ledger = ledgerPerTest();

/** Runs the child until it stalls at `mode`, kills it, and returns the first answer it heard. */
async function runAndKill(mode: string, state: string): Promise<{ stan: string; code: string }> {
  const ready = (out: string) => out.includes('STALLED');
  const out = await runChildUntilKilled(child, { state, mode, name: 'stall child', ready });
  expect(out).not.toContain('ANSWERED');
  const [, stan, heardCode] = /HEARD (\d+) (\d+)/.exec(out) ?? [];
  return { stan: stan!, code: heardCode! };
}

describe('SIGKILL between the two writes of a round', () => {
  for (const mode of ['after-batch', 'after-record', 'record-only']) {
    it(`${mode}: restart trusts the ledger, keeps every 00 heard once, reuses no seq`, async () => {
      const first = withdrawal(cards[0]!.pan, 10_000);
      const second = withdrawal(cards[1]!.pan, 20_000);
      const state = await writeChildState(ledger.dir, [first, second]);
      const heardFirst = await runAndKill(mode, state);
      expect(heardFirst).toEqual({ stan: first.fields[11], code: '00' });

      const core = await ledger.open();
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
        [requestKey(first), '00'],
        [requestKey(third), '00'],
      ]);
      expect(audit(entries, heard)).toMatchObject({ approvals: 2, lost: 0, duplicated: 0, unheard: 0 });
      expect((await core.verifyLedger()).ok).toBe(true);
    });
  }

  it('record-only-group: a round of four approvals is completed from the batch region of its record', async () => {
    const requests = [0, 1, 2, 3, 4].map((i) => withdrawal(cards[i]!.pan, 10_000 * (i + 1)));
    const state = await writeChildState(ledger.dir, requests);
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

    const core = await ledger.open();
    expect((await core.status()).authorization.state).toBe('ok');
    const entries = await core.unacknowledged(100);
    expect(entries.map((e) => [e.seq, e.amount])).toEqual(requests.map((r, i) => [i + 1, r.fields[4]]));
    for (const request of requests.slice(1)) expect(code(await core.handle(reversal(request)))).toBe('00');
    const heard: Heard = new Map([[requestKey(requests[0]!), '00']]);
    expect(audit(await core.unacknowledged(100), heard)).toMatchObject({
      approvals: 1,
      lost: 0,
      duplicated: 0,
      unheard: 0,
    });
    expect((await core.verifyLedger()).ok).toBe(true);
  });
});
