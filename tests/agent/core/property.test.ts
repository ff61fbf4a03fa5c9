import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCore, LedgerEntry } from '../../../agent/core/index.ts';
import type { IsoMessage } from '../../../protocol/iso8583/index.ts';
import { balance, cards, code, reversal, signedSet, tempLedger, withdrawal, type TempLedger } from './fixtures.ts';

let ledger: TempLedger;
beforeAll(async () => {
  ledger = await tempLedger();
});
afterAll(async () => {
  await ledger.cleanup();
});

const step = fc.oneof(
  fc.record({
    kind: fc.constant('withdraw' as const),
    card: fc.nat(cards.length - 1),
    amount: fc.integer({ min: 1, max: 400_000 }),
    concurrent: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat(50) }),
  fc.record({ kind: fc.constant('retransmit' as const), pick: fc.nat(50) }),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

let run = 0;

async function play(core: AgentCore, steps: ReadonlyArray<Step>): Promise<void> {
  const sent: IsoMessage[] = [];
  const burst: Promise<IsoMessage>[] = [];
  for (const s of steps) {
    if (s.kind === 'withdraw') {
      const request = withdrawal(cards[s.card]!.pan, s.amount);
      sent.push(request);
      burst.push(core.handle(request));
      if (!s.concurrent) await Promise.all(burst.splice(0));
    } else if (sent.length > 0) {
      await Promise.all(burst.splice(0));
      const target = sent[s.pick % sent.length]!;
      const head = core.head().seq;
      const response = await core.handle(s.kind === 'reverse' ? reversal(target) : target);
      // A reversal always ends 00 (reversed now, before, or nothing to reverse); a
      // retransmission never appends.
      if (s.kind === 'reverse') expect(code(response)).toBe('00');
      else expect(core.head().seq).toBe(head);
    }
  }
  await Promise.all(burst);
}

describe('entitlement arithmetic under random request sequences', () => {
  it(
    'approved withdrawals minus reversals per KPM equal initial minus final remaining,' +
      ' never above the entitlement',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          run += 1;
          const core = await ledger.open({ dir: `${ledger.dir}/run-${run}` });
          try {
            await core.installEntitlementSet(signedSet());
            await play(core, steps);
            const entries: LedgerEntry[] = await core.unacknowledged(1000);
            for (const c of cards) {
              const net = entries
                .filter((e) => e.kpmId === c.kpmId)
                .reduce((sum, e) => sum + (e.kind === 'withdrawal' ? e.amount : -e.amount), 0);
              const response = await core.handle(balance(c.pan));
              const final = response.fields[54]![0]!.amount;
              expect(net).toBe(c.remaining - final);
              expect(net).toBeLessThanOrEqual(c.remaining);
              expect(final).toBeGreaterThanOrEqual(0);
            }
            const reversed = entries
              .filter((e) => e.kind === 'reversal')
              .map((e) => (e.kind === 'reversal' ? e.reverses : ''));
            expect(new Set(reversed).size).toBe(reversed.length);
            expect((await core.verifyLedger()).ok).toBe(true);
          } finally {
            await core.close();
          }
        }),
        { numRuns: 25, seed: 20261122 },
      );
    },
  );
});
