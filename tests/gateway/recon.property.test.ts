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
  // A device holding the agent's key that shares its chain up to a point, then pays on its own.
  fc.record({
    op: fc.constant('clone' as const),
    agent: fc.integer({ min: 0, max: 1 }),
    pick: fc.nat(),
    items: fc.array(itemArb, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ op: fc.constant('tamper' as const), agent: fc.integer({ min: 0, max: 1 }), pick: fc.nat() }),
  fc.record({
    op: fc.constant('resolve' as const),
    pick: fc.nat(),
    reason: fc.constantFrom('confirmed' as const, 'recovered_from_agent' as const, 'other' as const),
  }),
);

describe('reconciliation property', () => {
  it(
    'for random sequences of imports, uploads, forks, clones, tampering, resolutions and re-imports:' +
      ' continuous = recompute, totals balance, every withdrawal counted once, settlements add up',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
          const t = await tempStore();
          try {
            const agents: TestAgent[] = [newAgent('AGT-P0'), newAgent('AGT-P1')];
            await enroll(t.store, agents[0]!, [0, 1, 2, 3, 4].map(kpm));
            await enroll(t.store, agents[1]!, [5, 6, 7, 8, 9].map(kpm), '3301010001');
            // Tight sets: 300 000 a withdrawal, 500 000 a KPM, so over_limit and over_entitlement happen.
            const tight = { remaining: 500_000, withdrawalAmountMax: 300_000 };
            const sets = [await issueSet(t.store, agents[0]!, 10_000_000, tight), await issueSet(t.store, agents[1]!)];
            const sent: LedgerEntry[][] = [[], []];
            const imports: DisbursementRow[][] = [];
            const facts = new Map<string, DisbursementRow>();
            let withdrawalsSeen = 0;
            const evidence = new Set<string>(); // the same forked entry sent twice is kept once
            const apply = async (rows: DisbursementRow[], file: string) => {
              for (const r of rows) {
                const id = `${r.bank}|${r.kpmId}|${r.reference}`;
                const held = facts.get(id);
                if (held === undefined) facts.set(id, r);
                // The bank's RETUR of a failed credit it holds (same identity and amount) returns it
                // (gateway/import/README.md "Retur rows"); any other repeat is a duplicate or a conflict.
                else if (held.status === 'failed' && r.status === 'returned' && held.amount === r.amount)
                  facts.set(id, { ...held, status: 'returned' });
              }
              await t.store.applyDisbursements(rows, { fileSha256: file.repeat(64), now: 1 });
            };
            // Most KPMs start credited, so that withdrawals meet every rule, not only unknown_card.
            await apply(
              [0, 1, 2, 3, 4, 5, 6].map((i) => row(kpm(i), 500_000, { reference: `BASE-${i}` })),
              'a',
            );
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
              } else if (op.op === 'clone' && sent[op.agent]!.length > 0) {
                const a = agents[op.agent]!;
                const shared = op.pick % sent[op.agent]!.length;
                const clone: TestAgent = {
                  ...a,
                  seq: shared,
                  head: shared === 0 ? a.head : sent[op.agent]![shared - 1]!.hash,
                };
                if (shared === 0) clone.head = '0'.repeat(64);
                const branch = op.items.map((item) =>
                  withdrawal(clone, t.keys, {
                    kpmId: kpm(item.kpm),
                    amount: item.amount * 100_000,
                    pan: panOf(kpm(item.kpm)),
                    setId: sets[op.agent]!,
                    terminalId: 'CLONE001',
                    stan: String(item.stan).padStart(6, '0'),
                  }),
                );
                await expect(ingestSegment(t.store, a.record!, branch, 200)).rejects.toMatchObject({
                  code: 'EDC_ERR_UPLOAD_FORK',
                });
                withdrawalsSeen += branch.length;
              } else if (op.op === 'tamper' && sent[op.agent]!.length > 0) {
                const a = agents[op.agent]!;
                const victim = sent[op.agent]![op.pick % sent[op.agent]!.length]!;
                const copy = { ...victim, amount: victim.amount + 7 } as LedgerEntry;
                await t.store.recordTampered(a.agentId, [copy], 'hash', 300);
                if (copy.kind === 'withdrawal' && !evidence.has(`t${copy.hash}`)) withdrawalsSeen += 1;
                evidence.add(`t${copy.hash}`);
              } else if (op.op === 'resolve') {
                const open = (await t.store.exceptions(tahap, { state: 'open', limit: 1000 })).items.filter((x) =>
                  x.id.startsWith('W:'),
                );
                const x = open[op.pick % Math.max(1, open.length)];
                if (x !== undefined) {
                  const change = { reason: undefined, note: 'n', actor: 'prop', now: 400 };
                  await t.store.transitionException(x.id, { ...change, to: 'investigating' });
                  await t.store.transitionException(x.id, { ...change, to: 'resolved', reason: op.reason });
                }
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
            const settlements = await t.store.settlements(tahap);
            for (const s of Object.values(settlements)) expect(s.claimed).toBe(s.payable + s.disputed + s.refused);
            for (const c of withdrawalCategories)
              expect(Object.values(settlements).reduce((n, s) => n + s.withdrawalsByCategory[c].amount, 0)).toBe(
                sum.withdrawalsByCategory[c].amount,
              );
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
