import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kpmCategories, withdrawalCategories, type Classification } from '../../gateway/recon/classify.ts';
import {
  add,
  addTahapContribution,
  emptyTahapCounters,
  tahapContribution,
  tahapCounterNames,
  tahapCountersAt,
} from '../../gateway/recon/counters.ts';

const amount = fc.integer({ min: 0, max: 5_000_000 });
const classification: fc.Arbitrary<Classification> = fc.record({
  bank: fc.constantFrom('BRI', 'BNI'),
  regionCode: fc.constantFrom('3201010001', '3301010001'),
  category: fc.constantFrom(...kpmCategories),
  credited: amount,
  failed: amount,
  returned: amount,
  drawn: amount,
  withdrawn: amount,
  unclaimed: amount,
  overdrawnExcess: amount,
  withdrawals: fc.array(
    fc.record({
      agentId: fc.constantFrom('A', 'B'),
      seq: fc.nat(),
      hash: fc.constant('h'),
      fault: fc.boolean(),
      amount,
      category: fc.constantFrom(...withdrawalCategories),
    }),
    { maxLength: 6 },
  ),
  reversalsUnmatched: fc.nat({ max: 3 }),
});

describe('tahap counters as numbers', () => {
  it('addTahapContribution adds exactly what tahapContribution returns, for any sequence of KPMs', () => {
    fc.assert(
      fc.property(fc.array(classification, { maxLength: 20 }), (list) => {
        const objects = emptyTahapCounters();
        const numbers = new Float64Array(tahapCounterNames.length + 3);
        for (const c of list) {
          add(objects, tahapContribution(c));
          addTahapContribution(numbers, 3, c);
        }
        expect(tahapCountersAt(numbers, 3)).toEqual(objects);
        expect(Object.keys(tahapCountersAt(numbers, 3))).toEqual(Object.keys(objects));
      }),
    );
  });
});
