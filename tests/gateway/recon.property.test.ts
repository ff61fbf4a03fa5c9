import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signEntry, entryBody } from '../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { ingestSegment } from '../../gateway/ingest/upload.ts';
import { kpmCategories, withdrawalCategories } from '../../gateway/recon/classify.ts';
import type { DisbursementRow } from '../../gateway/import/types.ts';
import {
  enroll,
  issueSet,
  newAgent,
  panOf,
  reversal,
  row,
  tahap,
  tempStore,
  withdrawal,
  type TestAgent,
} from './helpers.ts';

const kpm = (i: number) => `KPM-${String(i).padStart(4, '0')}`;
const statuses = ['credited', 'credited', 'credited', 'failed', 'returned'] as const;

const rowArb = fc.record({
  kpm: fc.integer({ min: 0, max: 7 }),
  amount: fc.integer({ min: 1, max: 6 }),
  status: fc.integer({ min: 0, max: 4 }),
  ref: fc.integer({ min: 0, max: 2 }),
  bank: fc.constantFrom('BRI', 'BNI'),
});
const itemArb = fc.record({
  kind: fc.constantFrom('withdrawal', 'withdrawal', 'withdrawal', 'reversal', 'wrongPan', 'expired'),
  kpm: fc.integer({ min: 0, max: 9 }),
  amount: fc.integer({ min: 1, max: 4 }),
  stan: fc.integer({ min: 0, max: 5 }),
  pick: fc.nat(),
});
const opArb = fc.oneof(
  fc.record({
    op: fc.constant('import' as const),
    rows: fc.array(rowArb, { minLength: 1, maxLength: 6 }),
    file: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    op: fc.constant('upload' as const),
    agent: fc.integer({ min: 0, max: 1 }),
    items: fc.array(itemArb, { minLength: 1, maxLength: 5 }),
  }),
  fc.record({ op: fc.constant('fork' as const), agent: fc.integer({ min: 0, max: 1 }), pick: fc.nat() }),
  fc.record({ op: fc.constant('reimport' as const), pick: fc.nat() }),
);

describe('reconciliation property', () => {
  it(
    'for random sequences of imports, uploads, forks and re-imports:' + ' continuous = recompute, and totals balance',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
          const t = await tempStore();
          try {
            const agents: TestAgent[] = [newAgent('AGT-P0'), newAgent('AGT-P1')];
            await enroll(t.store, agents[0]!, [0, 1, 2, 3, 4].map(kpm));
            await enroll(t.store, agents[1]!, [5, 6, 7, 8, 9].map(kpm), '3301010001');
            const sets = [await issueSet(t.store, agents[0]!), await issueSet(t.store, agents[1]!)];
            const sent: LedgerEntry[][] = [[], []];
            const imports: DisbursementRow[][] = [];
            const facts = new Map<string, DisbursementRow>();
            let withdrawalsSeen = 0;
            const evidence = new Set<string>(); // the same forked entry sent twice is kept once
            const apply = async (rows: DisbursementRow[], file: string) => {
              for (const r of rows) {
                const id = `${r.bank}|${r.kpmId}|${r.reference}`;
                if (!facts.has(id)) facts.set(id, r);
              }
              await t.store.applyDisbursements(rows, { fileSha256: file.repeat(64), now: 1 });
            };
            for (const op of ops) {
              if (op.op === 'import') {
                const rows = op.rows.map((r, i) =>
                  row(kpm(r.kpm), r.amount * 100_000, {
                    status: statuses[r.status]!,
                    reference: `R${r.ref}-${r.kpm}`,
                    bank: r.bank,
                    line: i + 2,
                  }),
                );
                imports.push(rows);
                await apply(rows, String(op.file));
              } else if (op.op === 'reimport' && imports.length > 0) {
                await apply(imports[op.pick % imports.length]!, 'e');
              } else if (op.op === 'upload') {
                const a = agents[op.agent]!;
                const entries: LedgerEntry[] = [];
                for (const item of op.items) {
                  const prior = sent[op.agent]!.concat(entries).filter((e) => e.kind === 'withdrawal');
                  if (item.kind === 'reversal' && prior.length > 0) {
                    entries.push(reversal(a, prior[item.pick % prior.length]!));
                    continue;
                  }
                  const k = kpm(item.kpm);
                  const pan = item.kind === 'wrongPan' ? '6032000000000000' : panOf(k);
                  entries.push(
                    withdrawal(a, t.keys, {
                      kpmId: k,
                      amount: item.amount * 100_000,
                      pan,
                      setId: sets[op.agent]!,
                      stan: String(item.stan).padStart(6, '0'),
                      at: item.kind === 'expired' ? 20_000_000 : 2_000,
                    }),
                  );
                  withdrawalsSeen += 1;
                }
                await ingestSegment(t.store, a.record!, entries, 10 + sent[op.agent]!.length);
                sent[op.agent]!.push(...entries);
              } else if (op.op === 'fork' && sent[op.agent]!.length > 0) {
                const a = agents[op.agent]!;
                const victim = sent[op.agent]![op.pick % sent[op.agent]!.length]!;
                const forked = signEntry({ ...entryBody(victim), amount: victim.amount + 1 }, a.seed);
                await expect(ingestSegment(t.store, a.record!, [forked], 99)).rejects.toMatchObject({
                  code: 'EDC_ERR_UPLOAD_FORK',
                });
                if (forked.kind === 'withdrawal' && !evidence.has(forked.hash)) withdrawalsSeen += 1;
                evidence.add(forked.hash);
              }
            }
            const result = await t.store.reconcile(tahap, 1000);
            expect(result.differences).toEqual([]);
            expect(result.agree).toBe(true);
            const sum = await t.store.summary(tahap, {});
            expect(result.totals).toEqual(sum);
            expect(sum.disbursed).toBe(sum.withdrawn + sum.unclaimed + sum.failed + sum.returned);
            expect(kpmCategories.reduce((n, c) => n + sum.kpmByCategory[c].count, 0)).toBe(sum.kpm);
            expect(withdrawalCategories.reduce((n, c) => n + sum.withdrawalsByCategory[c].count, 0)).toBe(
              withdrawalsSeen,
            );
            const model = { credited: 0, failed: 0, returned: 0 };
            for (const r of facts.values()) model[r.status] += r.amount;
            expect({ credited: sum.credited, failed: sum.failed, returned: sum.returned }).toEqual(model);
            const bri = await t.store.summary(tahap, { bank: 'BRI' });
            const bni = await t.store.summary(tahap, { bank: 'BNI' });
            expect(bri.disbursed + bni.disbursed).toBe(sum.disbursed);
          } finally {
            await t.cleanup();
          }
        }),
        { numRuns: 40 },
      );
    },
  );
});
