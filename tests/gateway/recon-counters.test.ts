import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kpmCategories, withdrawalCategories, type Classification } from '../../gateway/recon/classify.ts';
import { settlementTreatment } from '../../gateway/recon/categories.ts';
import {
  addTahapContribution,
  tahapCounterPaths,
  tahapCountersAt,
  tahapSlotCount,
} from '../../gateway/recon/counter-slots.ts';
import {
  addDayCounters,
  addSettlementCounters,
  addTahapCounters,
  dayContributions,
  dayDifferences,
  emptyDayCounters,
  emptySettlementCounters,
  emptyTahapCounters,
  isBalanced,
  isZeroDay,
  isZeroSettlement,
  isZeroTahap,
  settlementContributions,
  settlementDifferences,
  tahapContribution,
  tahapDifferences,
  tahapEntries,
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
    fc
      .record({
        agentId: fc.constantFrom('A', 'B'),
        seq: fc.nat(),
        hash: fc.constant('h'),
        source: fc.constantFrom('chain' as const, 'fork' as const, 'tampered' as const),
        amount,
        localDate: fc.constantFrom('1001', '1002', '1231'),
        category: fc.constantFrom(...withdrawalCategories),
        resolution: fc.constantFrom(undefined, 'confirmed' as const, 'recovered_from_agent' as const),
      })
      .map(({ resolution, ...w }) => ({
        ...w,
        ref: `${w.agentId}:${w.seq}:h`,
        settlement: settlementTreatment(w.category, resolution),
      })),
    { maxLength: 6 },
  ),
  reversalsUnmatched: fc.nat({ max: 3 }),
});

describe('tahap counters as numbers', () => {
  it('addTahapContribution adds exactly what tahapContribution returns, for any sequence of KPMs', () => {
    fc.assert(
      fc.property(fc.array(classification, { maxLength: 20 }), (list) => {
        const typed = emptyTahapCounters();
        const numbers = new Float64Array(tahapSlotCount + 3);
        for (const c of list) {
          addTahapCounters(typed, tahapContribution(c));
          addTahapContribution(numbers, 3, c);
        }
        expect(tahapCountersAt(numbers, 3)).toEqual(typed);
        expect(tahapEntries(tahapCountersAt(numbers, 3)).map(([path]) => path)).toEqual(tahapCounterPaths);
      }),
    );
  });

  it('every field of the typed shape has one slot, named by its readable path', () => {
    expect(tahapCounterPaths).toHaveLength(10 + 2 * kpmCategories.length + 2 * withdrawalCategories.length);
    expect(new Set(tahapCounterPaths).size).toBe(tahapCounterPaths.length);
    expect(tahapCounterPaths).toContain('w.late.amount');
    expect(tahapCounterPaths).toContain('kpm.matched.credited');
  });
});

describe('typed counters', () => {
  it('adding then subtracting any contributions returns to zero; differences name the paths that differ', () => {
    fc.assert(
      fc.property(fc.array(classification, { minLength: 1, maxLength: 10 }), (list) => {
        const tahap = emptyTahapCounters();
        const settlement = emptySettlementCounters();
        for (const c of list) {
          addTahapCounters(tahap, tahapContribution(c));
          for (const s of settlementContributions(c).values()) addSettlementCounters(settlement, s);
        }
        expect(isZeroTahap(tahap)).toBe(false); // every KPM counts in kpm
        for (const c of list) {
          addTahapCounters(tahap, tahapContribution(c), -1);
          for (const s of settlementContributions(c).values()) addSettlementCounters(settlement, s, -1);
        }
        expect(isZeroTahap(tahap)).toBe(true);
        expect(isZeroSettlement(settlement)).toBe(true);
        expect(tahapDifferences(tahap, emptyTahapCounters())).toEqual([]);
      }),
    );
  });

  it('differences are readable paths, sorted', () => {
    const a = emptyTahapCounters();
    const b = emptyTahapCounters();
    b.withdrawalsByCategory.late.amount = 5;
    b.kpmByCategory.matched.count = 1;
    b.drawn = 5;
    expect(tahapDifferences(a, b)).toEqual(['drawn', 'kpm.matched.count', 'w.late.amount']);
    const s = emptySettlementCounters();
    s.payable = 1;
    expect(settlementDifferences(emptySettlementCounters(), s)).toEqual(['payable']);
  });

  it(
    'settlement: payable = ok + late, disputed = every other claim until resolved, reversed and fault no claim;' +
      ' a resolution moves a claim to payable (confirmed) or refused',
    () => {
      const classified = (resolve: (category: string) => 'confirmed' | 'recovered_from_agent' | undefined) =>
        withdrawalCategories.map((category, i) => ({
          agentId: 'A',
          seq: i,
          hash: 'h',
          source:
            category === 'fault' ? ('tampered' as const) : category === 'fork' ? ('fork' as const) : ('chain' as const),
          ref: `A:${i}:h`,
          amount: 10 ** i,
          localDate: '1122',
          category,
          settlement: settlementTreatment(category, resolve(category)),
        }));
      const c: Classification = {
        bank: 'BRI',
        regionCode: '3201010001',
        category: 'partial',
        credited: 0,
        failed: 0,
        returned: 0,
        drawn: 0,
        withdrawn: 0,
        unclaimed: 0,
        overdrawnExcess: 0,
        reversalsUnmatched: 0,
        withdrawals: classified(() => undefined),
      };
      // ok 1, late 10, clock 100 ... duplicate 10^8, reversed 10^9, fault 10^10
      const s = settlementContributions(c).get('A')!;
      expect({ payable: s.payable, disputed: s.disputed, refused: s.refused, claimed: s.claimed }).toEqual({
        payable: 11,
        disputed: 111_111_100,
        refused: 0,
        claimed: 111_111_111,
      });
      expect(s.withdrawalsByCategory.fault).toEqual({ count: 1, amount: 10 ** 10 });
      const fork = settlementContributions({
        ...c,
        withdrawals: classified((k) =>
          k === 'fork' ? 'confirmed' : k === 'clock' ? 'recovered_from_agent' : undefined,
        ),
      }).get('A')!;
      expect({ payable: fork.payable, disputed: fork.disputed, refused: fork.refused, claimed: fork.claimed }).toEqual({
        payable: 1_000_011,
        disputed: 110_111_000,
        refused: 100,
        claimed: 111_111_111,
      });
    },
  );

  it("days: a KPM's claimed withdrawals by local date, summing to its settlements' claimed", () => {
    fc.assert(
      fc.property(fc.array(classification, { maxLength: 10 }), (list) => {
        const days = new Map<string, ReturnType<typeof emptyDayCounters>>();
        let claimed = 0;
        let claimedCount = 0;
        for (const c of list) {
          for (const [date, d] of dayContributions(c)) {
            expect(date).toMatch(/^[0-9]{4}$/);
            addDayCounters(days.get(date) ?? days.set(date, emptyDayCounters()).get(date)!, d);
          }
          for (const s of settlementContributions(c).values()) claimed += s.claimed;
          for (const w of c.withdrawals) if (w.settlement !== 'none') claimedCount += 1;
        }
        const total = emptyDayCounters();
        for (const d of days.values()) addDayCounters(total, d);
        expect(total).toEqual({ count: claimedCount, amount: claimed });
        for (const c of list) for (const [date, d] of dayContributions(c)) addDayCounters(days.get(date)!, d, -1);
        for (const d of days.values()) expect(isZeroDay(d)).toBe(true);
      }),
    );
    expect(dayDifferences({ count: 1, amount: 5 }, { count: 2, amount: 5 })).toEqual(['count']);
  });

  it('isBalanced holds the identity disbursed = withdrawn + unclaimed + failed + returned', () => {
    const c = emptyTahapCounters();
    Object.assign(c, { disbursed: 10, withdrawn: 3, unclaimed: 2, failed: 4, returned: 1 });
    expect(isBalanced(c)).toBe(true);
    c.returned = 2;
    expect(isBalanced(c)).toBe(false);
  });
});
