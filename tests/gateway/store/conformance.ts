/**
 * Conformance tests for any GatewayStore implementation (LevelDB now, PostgreSQL later): they use
 * only the interface in gateway/store/types.ts. `open` makes a fresh empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayKeys } from '../../../gateway/config.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { signEntry, entryBody } from '../../../protocol/messages/signed.ts';
import { newAgent, panOf, reversal, row, tahap, withdrawal, type TestAgent } from '../helpers.ts';
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';

export interface StoreUnderTest {
  store: GatewayStore;
  keys: GatewayKeys;
  /** Reopens the same data with other tahap closing times. */
  reopen?: (tahapClosesAt: Record<string, number>) => Promise<GatewayStore>;
  cleanup: () => Promise<void>;
}

export function describeStoreConformance(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} conforms to GatewayStore`, () => {
    let s: StoreUnderTest;
    let a: TestAgent;
    let b: TestAgent;
    let setA: string;

    async function enroll(agent: TestAgent, kpmIds: string[], move = false) {
      agent.record = await s.store.addAgent(
        { agentId: agent.agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds },
        { move, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      return agent.record;
    }

    beforeEach(async () => {
      s = await open();
      a = newAgent('AGT-A');
      b = newAgent('AGT-B');
      await enroll(a, ['KPM-0001', 'KPM-0002', 'KPM-0003']);
      await enroll(b, ['KPM-0004']);
      setA = 'SETA0000000000000000000001';
      await s.store.recordEntitlementSet({ setId: setA, agentId: 'AGT-A', tahap, issuedAt: 1, expiresAt: 1_000_000 });
    });
    afterEach(async () => s.cleanup());

    const w = (agent: TestAgent, kpmId: string, amount: number, extra: Record<string, unknown> = {}) =>
      withdrawal(agent, s.keys, { kpmId, amount, pan: panOf(kpmId), setId: setA, ...extra });

    it('addAgent refuses a KPM allocated to another active agent unless moved', async () => {
      await expect(enroll(newAgent('AGT-C'), ['KPM-0004'])).rejects.toMatchObject({ code: 'EDC_ERR_KPM_ALLOCATED' });
      await enroll(newAgent('AGT-D'), ['KPM-0004'], true);
      const kpms: string[] = [];
      for await (const k of s.store.agentKpms('AGT-B')) kpms.push(k);
      expect(kpms).toEqual([]);
    });

    it('addAgent refuses an id already enrolled', async () => {
      await expect(enroll(newAgent('AGT-A'), [])).rejects.toMatchObject({ code: 'EDC_ERR_AGENT_EXISTS' });
    });

    it('a revoked agent releases its KPMs to a new agent without --move', async () => {
      await s.store.revokeAgent('AGT-B', 2);
      await enroll(newAgent('AGT-E'), ['KPM-0004']);
      expect((await s.store.getAgent('AGT-B'))?.status).toBe('revoked');
    });

    it('applyDisbursements is idempotent: the same rows again change nothing', async () => {
      const rows = [row('KPM-0001', 750_000), row('KPM-0002', 500_000, { status: 'failed' })];
      expect(await s.store.applyDisbursements(rows, { fileSha256: 'f'.repeat(64), now: 1 })).toMatchObject({
        accepted: 2,
        duplicates: 0,
        conflicts: 0,
      });
      const before = await s.store.snapshot();
      expect(await s.store.applyDisbursements(rows, { fileSha256: 'f'.repeat(64), now: 2 })).toMatchObject({
        accepted: 0,
        duplicates: 2,
        conflicts: 0,
      });
      expect(await s.store.snapshot()).toEqual(before);
      expect(await s.store.importedFiles(tahap)).toEqual([
        { fileSha256: 'f'.repeat(64), bank: 'BRI', tahap, firstImportedAt: 1 },
      ]);
    });

    it(
      'applyDisbursements reports a row that changes an' + ' imported fact as a conflict and does not apply it',
      async () => {
        await s.store.applyDisbursements([row('KPM-0001', 750_000)], { fileSha256: 'f'.repeat(64), now: 1 });
        const out = await s.store.applyDisbursements([row('KPM-0001', 900_000, { line: 7 })], {
          fileSha256: 'e'.repeat(64),
          now: 2,
        });
        expect(out).toMatchObject({
          accepted: 0,
          conflicts: 1,
          conflictList: [{ line: 7, kpmId: 'KPM-0001', reference: 'REF-KPM-0001' }],
        });
        expect((await s.store.summary(tahap, {})).credited).toBe(750_000);
      },
    );

    it('stores no PAN, NIK or name in the clear', async () => {
      const r = row('KPM-0001', 750_000);
      await s.store.applyDisbursements([r], { fileSha256: 'f'.repeat(64), now: 1 });
      await ingestSegment(s.store, a.record!, [w(a, 'KPM-0001', 100_000)], 10);
      const all = [...(await s.store.snapshot())].map(([k, v]) => k + v).join('\n');
      expect(all).not.toContain(r.pan);
      expect(all).not.toContain(r.nik);
      expect(all).not.toContain(r.name);
    });

    it(
      'ingest appends in order, acknowledges duplicates,' + ' refuses a gap and a prevHash break without change',
      async () => {
        const e1 = w(a, 'KPM-0001', 1000);
        const e2 = w(a, 'KPM-0001', 1000);
        expect(await s.store.ingest('AGT-A', [e1], 10)).toMatchObject({
          kind: 'accepted',
          accepted: 1,
          duplicates: 0,
          head: { seq: 1, hash: e1.hash },
        });
        expect(await s.store.ingest('AGT-A', [e1, e2], 11)).toMatchObject({
          kind: 'accepted',
          accepted: 1,
          duplicates: 1,
          head: { seq: 2 },
        });
        const before = await s.store.snapshot();
        w(a, 'KPM-0001', 1000);
        expect(await s.store.ingest('AGT-A', [w(a, 'KPM-0001', 1000)], 12)).toEqual({
          kind: 'gap',
          headSeq: 2,
          expectedSeq: 3,
          foundSeq: 4,
        });
        const wrongPrev = signEntry(
          { ...entryBody(w(newAgent('AGT-A'), 'KPM-0001', 1)), seq: 3, agentId: 'AGT-A' },
          a.seed,
        );
        expect(await s.store.ingest('AGT-A', [wrongPrev], 13)).toMatchObject({ kind: 'prevHash', index: 0, seq: 3 });
        expect(await s.store.snapshot()).toEqual(before);
        expect(await s.store.entries('AGT-A', 1, 10)).toEqual([e1, e2]);
      },
    );

    it('concurrent ingests are each applied or refused on their own (a refused one changes nothing)', async () => {
      await s.store.applyDisbursements([row('KPM-0001', 500_000), row('KPM-0004', 500_000)], {
        fileSha256: 'f'.repeat(64),
        now: 1,
      });
      const a1 = w(a, 'KPM-0001', 1000);
      const a2 = w(a, 'KPM-0001', 2000);
      withdrawal(b, s.keys, { kpmId: 'KPM-0004', amount: 1, pan: panOf('KPM-0004') }); // b's seq 1 is never sent: a gap
      const b2 = withdrawal(b, s.keys, { kpmId: 'KPM-0004', amount: 5000, pan: panOf('KPM-0004') });
      const [ra1, rb, ra2] = await Promise.all([
        s.store.ingest('AGT-A', [a1], 10),
        s.store.ingest('AGT-B', [b2], 10),
        s.store.ingest('AGT-A', [a1, a2], 11),
      ]);
      expect(ra1).toMatchObject({ kind: 'accepted', accepted: 1 });
      expect(rb).toMatchObject({ kind: 'gap', expectedSeq: 1, foundSeq: 2 });
      expect(ra2).toMatchObject({ kind: 'accepted', accepted: 1, duplicates: 1, head: { seq: 2 } });
      expect(await s.store.head('AGT-B')).toMatchObject({ seq: 0 });
      expect(await s.store.summary(tahap, {})).toMatchObject({ drawn: 3000, 'w.late.count': 0, 'w.ok.count': 2 });
      expect((await s.store.reconcile(tahap, 20)).agree).toBe(true);
    });

    it('a fork keeps both entries as evidence and flags the agent', async () => {
      const e1 = w(a, 'KPM-0001', 1000);
      await s.store.ingest('AGT-A', [e1], 10);
      const forked = signEntry({ ...entryBody(e1), amount: 3000 }, a.seed);
      expect(await s.store.ingest('AGT-A', [forked], 11)).toEqual({
        kind: 'fork',
        seq: 1,
        storedHash: e1.hash,
        foundHash: forked.hash,
      });
      expect(await s.store.evidence('AGT-A', 10)).toMatchObject([{ kind: 'fork', stored: e1, found: forked }]);
      expect(await s.store.getAgent('AGT-A')).toMatchObject({ flagged: true, flags: [{ kind: 'fork', seq: 1 }] });
      expect(await s.store.head('AGT-A')).toEqual({ seq: 1, hash: e1.hash });
    });

    it(
      'classifies every KPM: matched, partial, unclaimed,' + ' overdrawn, no_disbursement (failed row and no row)',
      async () => {
        await s.store.applyDisbursements(
          [
            row('KPM-0001', 500_000),
            row('KPM-0002', 500_000),
            row('KPM-0003', 500_000),
            row('KPM-0004', 500_000),
            row('KPM-0005', 300_000, { status: 'returned' }),
          ],
          { fileSha256: 'f'.repeat(64), now: 1 },
        );
        await ingestSegment(
          s.store,
          a.record!,
          [
            w(a, 'KPM-0001', 500_000),
            w(a, 'KPM-0002', 200_000),
            w(a, 'KPM-0003', 400_000),
            w(a, 'KPM-0003', 400_000),
            w(a, 'KPM-0009', 50_000),
          ],
          10,
        );
        const sum = await s.store.summary(tahap, {});
        expect(sum).toMatchObject({
          kpm: 6,
          'kpm.matched.count': 1,
          'kpm.partial.count': 1,
          'kpm.overdrawn.count': 1,
          'kpm.unclaimed.count': 1,
          'kpm.no_disbursement.count': 2,
          disbursed: 2_300_000,
          credited: 2_000_000,
          returned: 300_000,
          failed: 0,
          drawn: 1_500_000,
          withdrawn: 1_200_000,
          unclaimed: 800_000,
          overdrawnExcess: 300_000,
          'w.ok.count': 4,
          'w.unknown_card.count': 1,
          'w.unknown_card.amount': 50_000,
        });
        expect(sum.disbursed).toBe(sum.withdrawn! + sum.unclaimed! + sum.failed! + sum.returned!);
        const overdrawn = await s.store.positions(tahap, 'overdrawn', { limit: 10 });
        expect(overdrawn.items).toMatchObject([
          { kpmId: 'KPM-0003', credited: 500_000, drawn: 800_000, withdrawn: 500_000, overdrawnExcess: 300_000 },
        ]);
      },
    );

    it(
      'classifies withdrawals: duplicate, reversed,' + ' unknown card by PAN, late by expired set and by closing time',
      async () => {
        await s.store.applyDisbursements([row('KPM-0001', 900_000), row('KPM-0002', 900_000)], {
          fileSha256: 'f'.repeat(64),
          now: 1,
        });
        const first = w(a, 'KPM-0001', 100_000, { stan: '000777' });
        const dup = w(a, 'KPM-0001', 100_000, { stan: '000777' });
        const rev = w(a, 'KPM-0002', 50_000);
        const undo = reversal(a, rev);
        const wrongCard = withdrawal(a, s.keys, {
          kpmId: 'KPM-0002',
          amount: 10_000,
          pan: '6032999999999999',
          setId: setA,
        });
        const expired = w(a, 'KPM-0002', 20_000, { at: 2_000_000 });
        await ingestSegment(s.store, a.record!, [first, dup, rev, undo, wrongCard, expired], 10);
        const sum = await s.store.summary(tahap, {});
        expect(sum).toMatchObject({
          'w.ok.count': 1,
          'w.duplicate.count': 1,
          'w.reversed.count': 1,
          'w.unknown_card.count': 1,
          'w.late.count': 1,
          drawn: 120_000,
        });
        expect((await s.store.settlements(tahap))['AGT-A']).toMatchObject({
          payable: 120_000,
          disputed: 110_000,
          claimed: 230_000,
        });
        const dups = await s.store.withdrawals(tahap, 'duplicate', { limit: 10 });
        expect(dups.items).toMatchObject([{ agentId: 'AGT-A', seq: dup.seq, kpmId: 'KPM-0001', amount: 100_000 }]);
        if (s.reopen !== undefined) {
          const reopened = await s.reopen({ [tahap]: 5 });
          const result = await reopened.reconcile(tahap, 100);
          expect(result.agree).toBe(false); // the closing time moved: the stored state is stale and recompute says so
          expect(result.totals).toMatchObject({ 'w.late.count': 2, 'w.ok.count': 0 });
        }
      },
    );

    it('reconcile agrees with the continuous state, stores the result with its input fingerprints', async () => {
      await s.store.applyDisbursements([row('KPM-0001', 500_000), row('KPM-0004', 300_000)], {
        fileSha256: 'f'.repeat(64),
        now: 1,
      });
      const e1 = w(a, 'KPM-0001', 100_000);
      await ingestSegment(s.store, a.record!, [e1], 10);
      await ingestSegment(
        s.store,
        b.record!,
        [withdrawal(b, s.keys, { kpmId: 'KPM-0004', amount: 300_000, pan: panOf('KPM-0004') })],
        10,
      );
      const result = await s.store.reconcile(tahap, 50);
      expect(result).toMatchObject({
        tahap,
        agree: true,
        differences: [],
        kpmCount: 2,
        inputs: { files: ['f'.repeat(64)], heads: { 'AGT-A': { seq: 1, hash: e1.hash } } },
      });
      expect(result.totals).toEqual(await s.store.summary(tahap, {}));
      expect(await s.store.reconResults(tahap, 5)).toEqual([result]);
    });

    it('summary filters by bank and region prefix', async () => {
      await s.store.applyDisbursements(
        [
          row('KPM-0001', 500_000),
          row('KPM-0002', 300_000, { regionCode: '3301010001', bank: 'BNI', reference: 'X1' }),
        ],
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      expect((await s.store.summary(tahap, { region: '32' })).credited).toBe(500_000);
      expect((await s.store.summary(tahap, { bank: 'BNI' })).credited).toBe(300_000);
      expect((await s.store.summary(tahap, { bank: 'BNI', region: '32' })).credited).toBe(0);
    });

    it(
      'exceptions move open -> investigating -> resolved with a reason,' + ' each change audited; resolved is final',
      async () => {
        await s.store.applyDisbursements([row('KPM-0001', 500_000)], { fileSha256: 'f'.repeat(64), now: 1 });
        const page = await s.store.exceptions(tahap, { limit: 10 });
        expect(page.items).toMatchObject([
          { id: `K:${tahap}:KPM-0001`, kind: 'unclaimed', amount: 500_000, state: 'open' },
        ]);
        const id = page.items[0]!.id;
        await expect(
          s.store.transitionException(id, { to: 'resolved', reason: 'confirmed', note: 'x', actor: 'ana', now: 2 }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
        await s.store.transitionException(id, {
          to: 'investigating',
          reason: undefined,
          note: 'called pendamping',
          actor: 'ana',
          now: 3,
        });
        await expect(
          s.store.transitionException(id, { to: 'resolved', reason: undefined, note: 'x', actor: 'ana', now: 4 }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
        const done = await s.store.transitionException(id, {
          to: 'resolved',
          reason: 'returned_to_treasury',
          note: 'retur SP2D 12',
          actor: 'ana',
          now: 5,
        });
        expect(done).toMatchObject({
          state: 'resolved',
          history: [
            { from: 'open', to: 'investigating' },
            { from: 'investigating', to: 'resolved', reason: 'returned_to_treasury' },
          ],
        });
        await expect(
          s.store.transitionException(id, { to: 'open', reason: undefined, note: 'x', actor: 'ana', now: 6 }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
        const audit = await s.store.audit({ limit: 10 });
        expect(audit.items.map((r) => r.details.to)).toEqual(['investigating', 'resolved']);
        await expect(
          s.store.transitionException(`K:${tahap}:KPM-9999`, {
            to: 'investigating',
            reason: undefined,
            note: 'x',
            actor: 'ana',
            now: 7,
          }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_NOT_FOUND' });
      },
    );

    it('pages positions with a cursor until the end', async () => {
      await s.store.applyDisbursements(
        ['KPM-0001', 'KPM-0002', 'KPM-0003'].map((k) => row(k, 1000)),
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      const p1 = await s.store.positions(tahap, 'unclaimed', { limit: 2 });
      const p2 = await s.store.positions(tahap, 'unclaimed', { limit: 2, after: p1.next });
      expect([...p1.items, ...p2.items].map((p) => p.kpmId)).toEqual(['KPM-0001', 'KPM-0002', 'KPM-0003']);
      expect(p2.next).toBeUndefined();
    });

    it('tokens are stored and found by their hash', async () => {
      await s.store.putToken({ tokenSha256: 'c'.repeat(64), name: 'ana', role: 'viewer', createdAt: 1 });
      expect(await s.store.getToken('c'.repeat(64))).toEqual({
        tokenSha256: 'c'.repeat(64),
        name: 'ana',
        role: 'viewer',
        createdAt: 1,
      });
      expect(await s.store.getToken('d'.repeat(64))).toBeUndefined();
    });
  });
}
