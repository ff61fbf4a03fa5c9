/**
 * A round whose batch lands on disk yet reports failure (persist-then-fail) is answered 96; the
 * process is killed (SIGKILL, a real child) before the reversal of its approvals is durable, or
 * just after it. After a restart no approval a terminal heard as 96 may stand (the KPM got no cash),
 * none may be reversed twice, and nothing heard as 00 is reversed:
 *   answered-96          the failed round's record (failed-round.ts) makes the restart reverse them
 *                        (response_timeout) before serving: today's and the terminal's totals
 *                        exclude them, a retransmitted 0200 hears 96 again, a 0400 finds them reversed
 *   after-compensation   the reversals were durable before the kill: the restart does not repeat them
 *   torn                 only a prefix of the round's batch reached the disk: the restart writes the
 *                        round again from its record, then reverses it
 *   record-fails         that record could not be written either: the 0200s were not answered, the
 *                        terminal's 0400 reverses each once after the restart, a second 0400 is idempotent
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../agent/core/index.ts';
import { storageFaultText } from '../../../agent/core/responses.ts';
import type { IsoMessage } from '../../../protocol/iso8583/index.ts';
import { cards, code, reversal, settlement, withdrawal } from '../core/fixtures.ts';
import { audit, ledgerPerTest, requestKey, runChildUntilKilled, writeChildState, type Heard } from './support.ts';

const child = fileURLToPath(new URL('./failed-round-child.ts', import.meta.url));

const ledger = ledgerPerTest();

/** Runs the child until it stalls, kills it, and returns what each request heard (stan -> line). */
async function runAndKill(mode: string, requests: readonly IsoMessage[]): Promise<Map<string, string>> {
  const state = await writeChildState(ledger.dir, requests);
  const heard = (out: string): Map<string, string> =>
    new Map(
      [...out.matchAll(/(HEARD|NOANSWER) (\d+) (\S+)/g)].map(([, kind, stan, what]) => [stan!, `${kind} ${what}`]),
    );
  const ready = (out: string) => out.includes('STALLED') && heard(out).size === requests.length;
  return heard(await runChildUntilKilled(child, { state, mode, name: 'child', ready }));
}

/** withdrawal seq -> its reversal entries. */
function reversalsOf(entries: readonly LedgerEntry[]): Map<number, LedgerEntry[]> {
  const found = new Map<number, LedgerEntry[]>();
  for (const entry of entries)
    if (entry.kind === 'reversal') found.set(entry.reversesSeq, [...(found.get(entry.reversesSeq) ?? []), entry]);
  return found;
}

describe('SIGKILL after a failed round was answered 96', () => {
  const amounts = [10_000, 20_000, 30_000];
  const make = (): IsoMessage[] => amounts.map((amount, i) => withdrawal(cards[i]!.pan, amount));

  for (const mode of ['answered-96', 'after-compensation', 'torn']) {
    it(`${mode}: each approval heard as 96 is reversed exactly once, and nothing else`, async () => {
      const requests = make();
      const heardInChild = await runAndKill(mode, requests);
      expect([...heardInChild.values()]).toEqual(['HEARD 00', 'HEARD 96', 'HEARD 96']);

      const core = await ledger.open();
      expect((await core.status()).authorization.state).toBe('ok');
      const entries = await core.unacknowledged(100);
      expect(entries.slice(0, 3).map((e) => [e.seq, e.kind, e.amount])).toEqual(
        amounts.map((amount, i) => [i + 1, 'withdrawal', amount]),
      );
      const reversed = reversalsOf(entries);
      expect([...reversed.keys()].sort()).toEqual([2, 3]);
      for (const seq of [2, 3]) {
        expect(reversed.get(seq)!.map((e) => (e.kind === 'reversal' ? e.reason : ''))).toEqual(['response_timeout']);
      }
      expect(entries).toHaveLength(5);
      // Today's figures and the terminal's settlement totals count only the approval heard as 00.
      const today = (await core.status()).today;
      expect([today.approvedCount, today.approvedAmount]).toEqual([1, amounts[0]]);
      const totals = { withdrawalCount: 1, withdrawalAmount: amounts[0]!, reversalCount: 0, reversalAmount: 0 };
      expect(code(await core.handle(settlement(totals)))).toBe('00');
      // A retransmitted 0200 hears the 96 it heard the first time; a 0400 finds it reversed.
      for (const request of requests.slice(1)) {
        const again = await core.handle(request);
        expect([code(again), again.fields[62]]).toEqual(['96', storageFaultText]);
        expect(code(await core.handle(reversal(request)))).toBe('00');
      }
      expect(code(await core.handle(requests[0]!))).toBe('00');
      const after = await core.unacknowledged(100);
      expect(after).toHaveLength(5);
      const heard: Heard = new Map(requests.map((r, i) => [requestKey(r), i === 0 ? '00' : '96']));
      expect(audit(after, heard)).toMatchObject({
        approvals: 1,
        lost: 0,
        duplicated: 0,
        unheard: 0,
        reversedByAgent: 2,
      });
      expect(await core.verifyLedger()).toMatchObject({ ok: true, problems: [] });
    }, 60_000);
  }

  it('record-fails: nothing answered; after a restart a 0400 reverses each once, a second is idempotent', async () => {
    const requests = make();
    const heardInChild = await runAndKill('record-fails', requests);
    expect([...heardInChild.values()]).toEqual([
      'HEARD 00',
      'NOANSWER EDC_ERR_LEDGER_WRITE',
      'NOANSWER EDC_ERR_LEDGER_WRITE',
    ]);

    const core = await ledger.open();
    expect((await core.status()).authorization.state).toBe('ok');
    const before = await core.unacknowledged(100);
    // The batch landed: its approvals stand until their terminals' 0400s (nobody heard them).
    expect(before.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'withdrawal'],
      [2, 'withdrawal'],
      [3, 'withdrawal'],
    ]);
    for (const request of requests.slice(1)) {
      const timeoutReversal = reversal(request);
      expect(code(await core.handle(timeoutReversal))).toBe('00');
      expect(code(await core.handle(timeoutReversal))).toBe('00');
      expect(code(await core.handle(reversal(request)))).toBe('00');
    }
    const after = await core.unacknowledged(100);
    const reversed = reversalsOf(after);
    expect([...reversed.keys()].sort()).toEqual([2, 3]);
    for (const seq of [2, 3]) {
      expect(reversed.get(seq)!.map((e) => (e.kind === 'reversal' ? e.reason : ''))).toEqual(['terminal_reversal']);
    }
    expect(after).toHaveLength(5);
    const heard: Heard = new Map([[requestKey(requests[0]!), '00']]);
    expect(audit(after, heard)).toMatchObject({ approvals: 1, lost: 0, duplicated: 0, unheard: 0 });
    expect(await core.verifyLedger()).toMatchObject({ ok: true, problems: [] });
  }, 60_000);
});
